package dev.airlock.dockerarchive;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSource;
import dev.airlock.copy.Repo;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several docker archives in front of another source (a registry): a repository whose host is
 * {@link DockerArchiveSource#HOST} is served by the archive it names, every other one by
 * {@code rest}. Closing closes the archives (and deletes their temporary files).
 */
public final class DockerArchives implements ImageSource, AutoCloseable {
    private final Map<String, DockerArchiveSource> archives = new LinkedHashMap<>();
    private final ImageSource rest;

    private DockerArchives(ImageSource rest) {
        this.rest = rest;
    }

    /** Opens every {@code FILE[=NAME:TAG]} in order; the first failure closes those already open. */
    public static DockerArchives open(List<String> specs, ImageSource rest) {
        DockerArchives all = new DockerArchives(rest);
        try {
            for (String spec : specs) {
                DockerArchiveSource a = DockerArchiveSource.open(spec);
                DockerArchiveSource before = all.archives.put(a.file().toString(), a);
                if (before != null) {
                    before.close();
                }
            }
        } catch (RuntimeException e) {
            all.close();
            throw e;
        }
        return all;
    }

    /** Every image of every archive, in the order given. */
    public List<DockerArchiveSource.Image> images() {
        List<DockerArchiveSource.Image> out = new ArrayList<>();
        archives.values().forEach(a -> out.addAll(a.images()));
        return out;
    }

    private ImageSource route(Repo repo) {
        if (DockerArchiveSource.HOST.equals(repo.host())) {
            DockerArchiveSource a = archives.get(repo.name());
            if (a != null) {
                return a;
            }
        }
        return rest;
    }

    @Override
    public RawManifest manifest(Repo repo, String reference) {
        return route(repo).manifest(repo, reference);
    }

    @Override
    public BlobReader blob(Repo repo, Descriptor blob) {
        return route(repo).blob(repo, blob);
    }

    @Override
    public void checkSkipped(Repo repo, Descriptor blob) {
        route(repo).checkSkipped(repo, blob);
    }

    @Override
    public List<String> tags(Repo repo) {
        return route(repo).tags(repo);
    }

    @Override
    public java.util.Optional<List<dev.airlock.oci.Referrer>> referrers(Repo repo, dev.airlock.digest.Digest subject) {
        return route(repo).referrers(repo, subject);
    }

    @Override
    public void close() {
        archives.values().forEach(DockerArchiveSource::close);
    }
}
