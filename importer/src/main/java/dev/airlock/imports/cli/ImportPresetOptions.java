package dev.airlock.imports.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.error.AirlockException;
import dev.airlock.imports.GitlabSecureTarget;
import dev.airlock.imports.ImportService;
import dev.airlock.imports.TargetNaming;
import dev.airlock.io.TransferListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code import --preset gitlab-secure}: analyzers land at PREFIX/ANALYZER; SECURE_BINARIES_PUSH_IMAGES=false only verifies. */
final class ImportPresetOptions {
    @Option(names = "--preset", paramLabel = "NAME",
            description = "gitlab-secure: put every analyzer at HOST[:PORT]/PREFIX/ANALYZER (whatever source prefix it came from) and print "
                    + "the SECURE_ANALYZERS_PREFIX line for the offline GitLab; SECURE_BINARIES_PUSH_IMAGES=false verifies the bundle and stops "
                    + "before the registry. --map rules given as well are added. A bundle made with --preset gitlab-secure (bundle.json says so) "
                    + "imported without it is imported as asked, with a warning.")
    String preset;

    /** Whether --preset was given (and names a known preset). */
    boolean active() {
        if (preset == null) {
            return false;
        }
        if (!preset.equals(GitlabSecureTarget.NAME)) {
            throw AirlockException.usage("unknown preset '" + preset + "' (known: " + GitlabSecureTarget.NAME + ")");
        }
        return true;
    }

    /**
     * With SECURE_BINARIES_PUSH_IMAGES=false: verifies every byte of the bundle, says that nothing
     * was pushed and returns true; else returns false (and refuses a value that is not true or false).
     */
    boolean verifiedOnly(Map<String, String> env, Path bundle, TrustPolicy trust, TransferListener listener, PrintWriter out,
            boolean json) {
        if (GitlabSecureTarget.pushImages(env)) {
            return false;
        }
        ImportService.VerifyReport r = new ImportService(() -> {
            throw new IllegalStateException("SECURE_BINARIES_PUSH_IMAGES=false must not touch a registry");
        }, listener).verify(bundle, trust);
        if (json) {
            ObjectNode o = dev.airlock.cli.JsonOutput.object(dev.airlock.cli.JsonOutput.IMPORT);
            dev.airlock.cli.JsonOutput.bundle(o, bundle.toString(), r.digest().toString(), r.manifest());
            o.put("verified", true);
            o.set("signers", dev.airlock.cli.JsonOutput.MAPPER.valueToTree(r.signers()));
            o.putArray("images"); // nothing pushed
            o.putObject("preset").put("name", GitlabSecureTarget.NAME).put("pushImages", false);
            out.println(dev.airlock.cli.JsonOutput.write(o));
        } else {
            out.printf("verified %s (channel %s, sequence %d, %s): every signature, digest and size checked%n", bundle,
                    r.manifest().channel(), r.manifest().sequence(), r.digest());
            out.printf("not pushed: %s=false; no registry was contacted and the ledger is unchanged%n", GitlabSecureTarget.PUSH_IMAGES);
        }
        return true;
    }

    /** The naming: the preset's rules for this bundle's (signed) images, with --map rules added. */
    TargetNaming naming(Path bundle, TrustPolicy trust, String registry, List<TargetNaming.Mapping> maps) {
        return GitlabSecureTarget.naming(registry, maps, GitlabSecureTarget.signedImages(bundle, trust));
    }
}
