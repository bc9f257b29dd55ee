package dev.airlock.imports.cli;

import dev.airlock.bundle.BundleFiles;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.cli.JsonOutput;
import dev.airlock.cli.OutputOptionsMixin;
import dev.airlock.cli.Units;
import dev.airlock.dockerarchive.DockerArchiveWriter;
import dev.airlock.oci.Platform;
import dev.airlock.imports.LoadService;
import dev.airlock.io.OutputFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "load", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # one image of a bundle as a docker load archive",
            "  airlock-import load /media/usb/scanners-000001.airlock.tar \\",
            "      --trust mirror.pub.asc --docker-archive /srv/semgrep.tar \\",
            "      --image registry.gitlab.com/security-products/semgrep:5"},
        description = "Verify a bundle like 'verify', then write its images as a docker load archive (no registry needed).")
final class LoadCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptionsMixin output;

    @Mixin
    TrustOptionsMixin trust;

    @Parameters(index = "0", paramLabel = "BUNDLE", description = "The bundle: its file NAME.tar, or for a bundle written as volumes, any volume NAME.tar.NNN or the list NAME.volumes.json.")
    Path bundle;

    @Option(names = "--docker-archive", required = true, paramLabel = "OUT.tar",
            description = "The archive to write: a regular file, replaced if it exists (a directory, device, FIFO or socket there is refused,"
                    + " and so is a file the bundle is made of); missing directories are created. Gzip-compressed when OUT ends in .gz or .tgz.")
    Path out;

    @Option(names = "--image", paramLabel = "REF", description = "Only this image of the bundle, by its source reference (repeatable; default: all).")
    List<String> images = new ArrayList<>();

    @Option(names = "--platform", paramLabel = "os/arch[/variant]",
            description = "Of a multi-arch image, the platform to write (default: this host's, e.g. linux/amd64).")
    String platform;

    @Option(names = "--json", description = "Print the result as JSON on stdout (schema " + JsonOutput.LOAD + ").")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        // Before the bundle is verified (minutes for a large one): an OUT that cannot be written is said at once.
        OutputFiles.check("--docker-archive", out, OutputFiles.Parents.CREATE, inputs());
        LoadService.Result r = new LoadService(output.listener(err)).load(new LoadService.Request(bundle, trust.policy(), out, images,
                platform == null ? null : Platform.parse(platform)));
        PrintWriter o = output.report(spec.commandLine().getOut(), json);
        if (json) {
            o.println(JsonOutput.write(json(r)));
            return 0;
        }
        o.printf("verified %s (channel %s, sequence %d, %s)%n", bundle, r.manifest().channel(), r.manifest().sequence(), r.digest());
        r.signers().forEach(s -> o.printf("signer   %s%n", s));
        o.printf("archive  %s (%s)%n", r.archive().file(), Units.bytes(r.archive().size()));
        for (DockerArchiveWriter.Saved s : r.archive().images()) {
            o.printf("image    %s  %s  %s  config %s%n", s.repoTags().isEmpty() ? "(untagged)" : String.join(", ", s.repoTags()),
                    s.platform(), s.manifest(), s.config());
        }
        return 0;
    }

    /**
     * {@code airlock-load/v1}: the bundle verified (as verify names it), its signers, and what was
     * written: {@code archive} {path, size}, and per image written its source, the tags it carries in
     * the archive, the platform taken, the manifest and config digests and its number of layers.
     */
    private ObjectNode json(LoadService.Result r) {
        ObjectNode o = JsonOutput.object(JsonOutput.LOAD);
        JsonOutput.bundle(o, bundle.toString(), r.digest().toString(), r.manifest());
        o.put("verified", true);
        o.set("signers", JsonOutput.MAPPER.valueToTree(r.signers()));
        o.putObject("archive").put("path", r.archive().file().toString()).put("size", r.archive().size());
        ArrayNode images = o.putArray("images");
        for (int n = 0; n < r.archive().images().size(); n++) {
            DockerArchiveWriter.Saved s = r.archive().images().get(n);
            ObjectNode i = images.addObject().put("source", r.selected().get(n).source());
            i.set("tags", JsonOutput.MAPPER.valueToTree(s.repoTags()));
            i.put("platform", s.platform()).put("digest", s.manifest().toString()).put("config", s.config().toString())
                    .put("layerCount", s.layers());
        }
        return o;
    }

    /** What this command reads: every file of the bundle, the certificates, the config. */
    private Map<Path, String> inputs() {
        Map<Path, String> in = new LinkedHashMap<>();
        BundleFiles.of(bundle).forEach(p -> in.put(p, "a file of the bundle being read, " + bundle));
        trust.files().forEach(p -> in.putIfAbsent(p, "a --trust certificate being read"));
        if (trust.config.file != null) {
            in.putIfAbsent(trust.config.file, "the --config file being read");
        }
        return in;
    }
}
