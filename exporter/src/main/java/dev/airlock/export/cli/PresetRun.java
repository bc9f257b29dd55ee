package dev.airlock.export.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.error.AirlockException;
import dev.airlock.export.ExportRequest;
import dev.airlock.export.preset.GitlabSecure;
import dev.airlock.export.preset.SourceCheck;
import dev.airlock.registry.RegistryClient;
import dev.airlock.registry.RegistrySource;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.copy.Repo;
import dev.airlock.digest.Digest;
import dev.airlock.dockerarchive.DockerArchiveWriter;
import dev.airlock.export.ExportResult;
import java.nio.file.Path;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A resolved {@code --preset} for one run of bundle or plan: its images, and after {@link #check}, what the source lacked. */
final class PresetRun {
    private final GitlabSecure.Expansion expansion;
    private final boolean skipMissing;
    private List<GitlabSecure.Analyzer> present;
    private final List<GitlabSecure.Analyzer> skipped = new ArrayList<>();

    PresetRun(GitlabSecure.Expansion expansion, boolean skipMissing) {
        this.expansion = expansion;
        this.skipMissing = skipMissing;
        this.present = expansion.analyzers();
    }

    String channel() {
        return expansion.channel();
    }

    /** The images to carry: all the preset names, or after {@link #check} the ones the source has. */
    List<String> images() {
        return present.stream().map(GitlabSecure.Analyzer::reference).toList();
    }

    /**
     * SECURE_BINARIES_DOWNLOAD_IMAGES=false: says so and returns true (the command then writes
     * nothing and exits 0).
     */
    boolean skipsDownload(PrintWriter out, boolean json, String schema) {
        if (!expansion.downloadImages()) {
            String why = expansion.from().get("downloadImages");
            String setting = why.equals(GitlabSecure.DOWNLOAD_IMAGES) ? GitlabSecure.DOWNLOAD_IMAGES + "=false" : "downloadImages: false in --config";
            if (json) {
                ObjectNode o = dev.airlock.cli.JsonOutput.object(schema);
                if (schema.equals(dev.airlock.cli.JsonOutput.BUNDLE)) {
                    o.put("changed", false);
                }
                o.putNull("bundle");
                o.putObject("preset").put("name", GitlabSecure.NAME).put("downloadImages", false);
                out.println(dev.airlock.cli.JsonOutput.write(o));
            } else {
                out.printf("nothing to do: %s; no image pulled, no bundle written%n", setting);
            }
            return true;
        }
        return false;
    }

    /**
     * Asks the source for every analyzer before anything is written. Missing ones fail the run
     * (not found, exit 2), all named in one message, unless --skip-missing: then the request
     * carries the rest and {@link #skipped()} lists them.
     */
    ExportRequest check(RegistryClient client, ExportRequest request, int parallel) {
        List<String> missing = SourceCheck.missing(client, images(), parallel);
        if (missing.isEmpty()) {
            return request;
        }
        List<GitlabSecure.Analyzer> keep = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (GitlabSecure.Analyzer a : present) {
            if (missing.contains(a.reference())) {
                skipped.add(a);
                named.add(a.name() + " (" + a.reference() + (a.listed() ? "" : "; " + expansion.retired().getOrDefault(a.name(),
                        "not one of the preset's analyzers: a typo?")) + ")");
            } else {
                keep.add(a);
            }
        }
        String where = "not found at the source " + expansion.sourcePrefix() + ": " + String.join(", ", named);
        if (keep.isEmpty()) {
            throw AirlockException.notFound(where + "; none of the " + named.size() + " analyzers is there, nothing to carry"
                    + " (check " + GitlabSecure.PREFIX + " / --source-prefix and " + GitlabSecure.ANALYZER_VERSION + ")");
        }
        if (!skipMissing) {
            throw AirlockException.notFound(where + "; nothing was written (fix " + GitlabSecure.ANALYZERS
                    + ", or pass --skip-missing to carry the other " + keep.size() + ")");
        }
        present = List.copyOf(keep);
        return request.withImages(images());
    }

    /** SECURE_BINARIES_SAVE_ARTIFACTS=true (or --save-artifacts): a docker archive per analyzer next to the bundle. */
    boolean saveArtifacts() {
        return expansion.saveArtifacts();
    }

    /**
     * Writes one gzipped {@code docker load} archive per image of the bundle next to it, named
     * {@code BUNDLE-BASE.ANALYZER.docker.tar.gz}, as the template's artifacts are: each image whole,
     * read from the source registry (a delta bundle does not hold every layer), one platform
     * (the host's) of a multi-arch image, written to a temporary name and renamed.
     */
    List<Path> saveArtifacts(RegistryClient client, ExportResult r) {
        String base = r.file().getFileName().toString();
        base = base.substring(0, base.indexOf(".airlock."));
        List<Path> written = new ArrayList<>();
        for (BundleManifest.Image image : r.manifest().images()) {
            String repository = image.repository();
            String name = repository.substring(repository.lastIndexOf('/') + 1);
            Path out = r.file().resolveSibling(base + "." + name + ".docker.tar.gz");
            DockerArchiveWriter.write(new RegistrySource(client), new Repo(image.registry(), repository), Digest.parse(image.digest()),
                    null, image.tag() != null ? List.of(image.source()) : List.of(), out);
            written.add(out);
        }
        return written;
    }

    List<GitlabSecure.Analyzer> skipped() {
        return skipped;
    }

    /** The text lines: one per skipped analyzer. */
    void printSkipped(PrintWriter out) {
        for (GitlabSecure.Analyzer a : skipped) {
            out.printf("skipped  %s  %s (not found at the source)%n", a.name(), a.reference());
        }
    }

    /** For --json: the preset, where its settings came from, what it carries and what it skipped. */
    ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("name", GitlabSecure.NAME);
        o.put("sourcePrefix", expansion.sourcePrefix());
        o.set("from", mapper.valueToTree(new java.util.TreeMap<>(expansion.from())));
        o.set("analyzers", mapper.valueToTree(present));
        o.set("skipped", mapper.valueToTree(skipped));
        return o;
    }
}
