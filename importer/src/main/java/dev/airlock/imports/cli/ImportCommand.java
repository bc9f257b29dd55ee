package dev.airlock.imports.cli;

import dev.airlock.cli.JsonOutput;
import dev.airlock.cli.OutputOptionsMixin;
import dev.airlock.cli.Units;
import dev.airlock.io.Background;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.ImportResult;
import dev.airlock.imports.ImportService;
import dev.airlock.imports.TargetNaming;
import dev.airlock.registry.RegistryClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "import", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # verify a bundle and push its images into the local registry",
            "  airlock-import import /media/usb/scanners-000001.airlock.tar \\",
            "      --trust mirror.pub.asc --registry registry.local:5000/mirror",
            "  # the same settings from a config file (flags win over it)",
            "  airlock-import import --config /etc/airlock/import.yaml \\",
            "      /media/usb/scanners-000002.airlock.tar"},
        description = "Verify a bundle, then push its images into the registry: blobs, manifests, tags last.")
final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptionsMixin output;

    @Mixin
    ImportOptionsMixin options;

    @Parameters(index = "0", paramLabel = "BUNDLE", description = "The bundle: its file NAME.tar, or for a bundle written as volumes, any volume NAME.tar.NNN or the list NAME.volumes.json.")
    Path bundle;

    @Option(names = "--reapply", description = "Push the bundle again although this side's ledger shows it applied to this target "
            + "(for a registry that was wiped, or rebuilt empty under the same name). Chain rules still apply.")
    boolean reapply;

    @Option(names = "--json", description = "Print the result as JSON on stdout.")
    boolean json;

    @Mixin
    ImportPresetOptions preset;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        ImportRequest request = options.request(bundle, reapply, w -> {
            err.println("airlock-import: warning: " + w);
            err.flush();
        });
        dev.airlock.io.Trace.mark("import: request ready");
        TargetNaming naming = request.naming();
        if (preset.active()) {
            if (preset.verifiedOnly(System.getenv(), bundle, request.trust(), output.listener(err), output.report(spec.commandLine().getOut(), json),
                    json)) {
                return 0;
            }
            naming = preset.naming(bundle, request.trust(), options.registry(), options.mapRules());
            request = request.withNaming(naming); // keeps --strict-map and the warnings, which a request made anew here dropped
        }
        // The HTTP client is set up on the other core while this one checks the signatures.
        Background<RegistryClient> client = Background.start(() -> new RegistryClient(options.registryOptions()));
        ImportResult r;
        try {
            r = new ImportService(client, output.listener(err)).importBundle(request);
        } finally {
            client.whenDone(RegistryClient::close);
        }
        PrintWriter out = output.report(spec.commandLine().getOut(), json);
        String prefixLine = preset.active() ? dev.airlock.imports.GitlabSecureTarget.prefixLine(naming) : null;
        if (json) {
            out.println(JsonOutput.write(json(r, prefixLine)));
            return 0;
        }
        if (r.alreadyApplied()) {
            out.printf("already applied: %s (channel %s, sequence %d, %s) to target %s; nothing to do (--reapply pushes it again)%n",
                    bundle, r.manifest().channel(), r.manifest().sequence(), r.bundleDigest(), naming.key());
            printPrefix(out, prefixLine);
            return 0;
        }
        out.printf("imported %s (channel %s, sequence %d, %s)%n", bundle, r.manifest().channel(), r.manifest().sequence(), r.bundleDigest());
        r.signers().forEach(s -> out.printf("signer   %s%n", s));
        for (ImportResult.Landed l : r.landed()) {
            out.printf("image    %s -> %s%s@%s%n", l.source(), l.target(), l.tag() != null ? ":" + l.tag() : "", l.digest());
            if (l.attached() != null) {
                out.printf("attached %s (in place before the tag)%n", l.attached());
            }
            r.manifest().images().stream().filter(i -> i.source().equals(l.source()) && i.upstream() != null).findFirst()
                    .ifPresent(i -> out.printf("upstream %s (checked by the exporter)%n", dev.airlock.report.UpstreamSummary.of(i.upstream())));
            String cut = platformLine(r, l);
            if (cut != null) {
                out.printf("platform %s%n", cut);
            }
        }
        // pushed, mounted and present count each blob once per target repository that needs it
        out.printf("carries  %s%n", dev.airlock.cli.CarriedText.of(r.manifest()));
        out.printf("blobs    per repository: %d pushed (%s), %d mounted, %d already there; %d tag(s) written%n", r.blobsPushed(),
                Units.bytes(r.bytesPushed()), r.blobsMounted(), r.blobsPresent(), r.tagsWritten());
        printPrefix(out, prefixLine);
        return 0;
    }

    /** How the image's index was cut to some platforms (from bundle.json), or null when it came whole. */
    private static String platformLine(ImportResult r, ImportResult.Landed l) {
        return r.manifest().images().stream().filter(i -> i.source().equals(l.source()) && i.digest().equals(l.digest()))
                .map(dev.airlock.report.PlatformSummary::of).filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    /** {@value JsonOutput#IMPORT}: the bundle, its signers, each image's source and target, the blobs pushed. */
    private com.fasterxml.jackson.databind.node.ObjectNode json(ImportResult r, String prefixLine) {
        com.fasterxml.jackson.databind.node.ObjectNode o = JsonOutput.object(JsonOutput.IMPORT);
        JsonOutput.bundle(o, bundle.toString(), r.bundleDigest().toString(), r.manifest());
        o.put("alreadyApplied", r.alreadyApplied());
        o.set("signers", JsonOutput.MAPPER.valueToTree(r.signers()));
        com.fasterxml.jackson.databind.node.ArrayNode images = o.putArray("images");
        for (ImportResult.Landed l : r.landed()) {
            com.fasterxml.jackson.databind.node.ObjectNode image = images.addObject().put("source", l.source()).put("target", l.target())
                    .put("tag", l.tag()).put("digest", l.digest()).put("attached", l.attached());
            String cut = platformLine(r, l);
            if (cut != null) { // only for an index cut to some platforms: JSON of other images reads as before
                image.put("platformIndex", cut);
            }
        }
        com.fasterxml.jackson.databind.node.ObjectNode blobs = JsonOutput.blobs(o, r.manifest(), false);
        blobs.put("pushed", r.blobsPushed());
        blobs.put("pushedBytes", r.bytesPushed());
        blobs.put("mounted", r.blobsMounted());
        blobs.put("present", r.blobsPresent());
        o.put("tagsWritten", r.tagsWritten());
        if (prefixLine != null) {
            o.put("secureAnalyzersPrefix", prefixLine.substring(prefixLine.indexOf('=') + 1));
        }
        return o;
    }

    /** --preset gitlab-secure: the line to paste into the offline GitLab's CI/CD variables, alone on the last line. */
    private static void printPrefix(PrintWriter out, String line) {
        if (line != null) {
            out.println("set this CI/CD variable in the offline GitLab (Settings > CI/CD > Variables):");
            out.println(line);
        }
    }
}
