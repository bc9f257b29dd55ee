package dev.airlock.registry;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSink;
import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * Images written to a registry: blobs uploaded (monolithic, a new session per attempt) or linked by
 * cross-repository mount, manifests put by digest, tags put last by the engine.
 */
public final class RegistrySink implements ImageSink {
    private final RegistryClient client;
    private final ReferrersTagIndex referrers;

    /** A sink whose referrers-index writers are serialized within this JVM only. */
    public RegistrySink(RegistryClient client) {
        this(client, null);
    }

    /**
     * A sink whose referrers-index writers are serialized within this JVM and, through exclusive
     * locks on files in {@code lockDir} (created if missing; null: none), with every other process
     * on this host that uses the same directory.
     */
    public RegistrySink(RegistryClient client, Path lockDir) {
        this.client = client;
        this.referrers = new ReferrersTagIndex(client, lockDir);
    }

    private RegistryClient.Repository repo(Repo r) {
        return client.repository(r.host(), r.name());
    }

    @Override
    public boolean hasBlob(Repo repo, Descriptor blob) {
        return repo(repo).hasBlob(blob.digest());
    }

    @Override
    public void putBlob(Repo repo, Descriptor blob, BlobReader content, LongConsumer progress) {
        repo(repo).uploadBlob(blob.digest(), blob.size(), new CountingContent(content.content(), progress), 0);
    }

    @Override
    public boolean mountBlob(Repo into, Descriptor blob, Repo from) {
        return into.host().equals(from.host()) && repo(into).mountBlob(blob.digest(), from.name());
    }

    @Override
    public boolean hasManifest(Repo repo, RawManifest manifest) {
        return repo(repo).headManifest(manifest.digest().toString()).isPresent();
    }

    @Override
    public void putManifest(Repo repo, RawManifest manifest) {
        repo(repo).putManifest(manifest.digest().toString(), manifest);
    }

    @Override
    public boolean tag(Repo repo, String tag, RawManifest manifest) {
        RegistryClient.Repository r = repo(repo);
        if (r.headManifest(tag).map(manifest.digest()::equals).orElse(false)) {
            return false;
        }
        r.putManifest(tag, manifest);
        return true;
    }

    /** The tag is written without reading it first: its manifest was not in the repository before this copy. */
    @Override
    public boolean tagNew(Repo repo, String tag, RawManifest manifest) {
        repo(repo).putManifest(tag, manifest);
        return true;
    }

    /**
     * One HEAD of the top manifest by digest. A registry refuses a manifest whose blobs or child
     * manifests the repository does not hold ({@code MANIFEST_BLOB_UNKNOWN}; distribution, Harbor,
     * Zot, Quay, GitLab's), and airlock writes a manifest only after everything it names, so a top
     * manifest there means the whole image is.
     */
    @Override
    public Presence imagePresence(Repo repo, RawManifest top) {
        return repo(repo).headManifest(top.digest().toString()).isPresent() ? Presence.WHOLE : Presence.ABSENT;
    }

    /**
     * Nothing to do where the registry's referrers API lists {@code referrer}; otherwise adds it to
     * the referrers tag schema's index at {@code sha256-<hex>} of {@code subject}, keeping every
     * entry others put there byte for byte, and checks by reading it back. Writers of one index
     * are serialized in this JVM, and across processes sharing this sink's lock directory. Not
     * guaranteed: a writer on another host (or one without the lock) that read the index before our
     * write and writes it after our read-back drops our entry unseen; registries have no
     * conditional PUT. A
     * registry where the entry does not stay after {@value ReferrersTagIndex#MAX_WRITES} writes is a
     * TRANSIENT failure naming the tag; a tag there that is not an OCI image index is refused.
     */
    @Override
    public void attachReferrer(Repo repo, Digest subject, RawManifest referrer) {
        referrers.attach(repo.host(), repo.name(), subject, referrer);
    }
}
