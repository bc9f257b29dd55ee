package dev.airlock.imports.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.airlock.cli.OutputOptionsMixin;
import dev.airlock.cli.RegistryOptionsMixin;
import dev.airlock.cli.Units;
import dev.airlock.imports.ImportLedger;
import dev.airlock.io.Background;
import dev.airlock.imports.ImportRequest;
import dev.airlock.imports.ImportResult;
import dev.airlock.imports.ImportService;
import dev.airlock.imports.TargetNaming;
import dev.airlock.registry.RegistryClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Verify a bundle, then push its images into the registry: blobs, manifests, tags last.")
final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptionsMixin output;

    @Mixin
    TrustOptionsMixin trust;

    @Mixin
    RegistryOptionsMixin registryOptions;

    @Parameters(index = "0", paramLabel = "BUNDLE", description = "The bundle: its file NAME.tar, or for a bundle written as volumes, any volume NAME.tar.NNN or the list NAME.volumes.json.")
    Path bundle;

    @Option(names = "--registry", required = true, paramLabel = "HOST[:PORT][/PREFIX]",
            description = "Target registry, and an optional path prefix for every repository. With --map, the target whose chain the bundle follows.")
    String registry;

    @Option(names = "--map", paramLabel = "SRC=DST",
            description = "Rewrite repository paths starting with SRC (host/path or path) to DST; longest SRC wins (repeatable).")
    List<String> maps = new ArrayList<>();

    @Option(names = "--state", paramLabel = "DIR", description = "Importer ledger directory (one chain per channel and target). Default: $XDG_STATE_HOME/airlock/import.")
    Path state;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4", description = "Blobs pushed at once (default: ${DEFAULT-VALUE}).")
    int parallel;

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
        List<TargetNaming.Mapping> rules = maps.stream().map(TargetNaming.Mapping::parse).toList();
        TargetNaming naming;
        if (preset.active()) {
            if (preset.verifiedOnly(System.getenv(), bundle, trust.policy(), output.listener(err), spec.commandLine().getOut(), json)) {
                return 0;
            }
            naming = preset.naming(bundle, trust.policy(), registry, rules);
        } else {
            naming = new TargetNaming(registry, rules);
        }
        // The HTTP client is set up on the other core while this one checks the signatures.
        Background<RegistryClient> client = Background.start(() -> new RegistryClient(registryOptions.toOptions(List.of(), null)));
        ImportResult r;
        try {
            r = new ImportService(client, output.listener(err)).importBundle(new ImportRequest(bundle, trust.policy(), naming,
                    state != null ? state : ImportLedger.defaultStateDir(), RegistryOptionsMixin.parallel(parallel), reapply));
        } finally {
            client.whenDone(RegistryClient::close);
        }
        PrintWriter out = spec.commandLine().getOut();
        String prefixLine = preset.active() ? dev.airlock.imports.GitlabSecureTarget.prefixLine(naming) : null;
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            com.fasterxml.jackson.databind.node.ObjectNode o = mapper.valueToTree(r);
            if (prefixLine != null) {
                o.put("secureAnalyzersPrefix", prefixLine.substring(prefixLine.indexOf('=') + 1));
            }
            out.println(mapper.writeValueAsString(o));
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
        }
        out.printf("blobs    %d pushed (%s), %d mounted, %d already there; %d tag(s) written%n", r.blobsPushed(),
                Units.bytes(r.bytesPushed()), r.blobsMounted(), r.blobsPresent(), r.tagsWritten());
        printPrefix(out, prefixLine);
        return 0;
    }

    /** --preset gitlab-secure: the line to paste into the offline GitLab's CI/CD variables, alone on the last line. */
    private static void printPrefix(PrintWriter out, String line) {
        if (line != null) {
            out.println("set this CI/CD variable in the offline GitLab (Settings > CI/CD > Variables):");
            out.println(line);
        }
    }
}
