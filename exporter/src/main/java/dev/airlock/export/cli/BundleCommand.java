package dev.airlock.export.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.cli.OutputOptionsMixin;
import dev.airlock.cli.RegistryOptionsMixin;
import dev.airlock.cli.Units;
import dev.airlock.error.AirlockException;
import dev.airlock.export.ExportLedger;
import dev.airlock.export.ExportRequest;
import dev.airlock.export.ExportResult;
import dev.airlock.export.ExportService;
import dev.airlock.export.config.ExportConfig;
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
import picocli.CommandLine.Spec;

@Command(name = "bundle", mixinStandardHelpOptions = true,
        description = "Pull the images and write OUT/CHANNEL-NNNNNN.airlock.tar, signed.")
final class BundleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptionsMixin output;

    @Mixin
    RegistryOptionsMixin registry;

    @Option(names = "--image", paramLabel = "REF", description = "Image to carry, by tag or REF@sha256:... (repeatable).")
    List<String> images = new ArrayList<>();

    @Option(names = "--channel", paramLabel = "NAME", description = "The channel: one chain of bundles to one offline side.")
    String channel;

    @Option(names = "--key", paramLabel = "KEY.asc", description = "Secret signing key (from keygen). Repeat to sign with several keys (m-of-n).")
    List<Path> keys = new ArrayList<>();

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Passphrase of the key. Default: AIRLOCK_KEY_PASSPHRASE, else none.")
    Path passphraseFile;

    @Option(names = "--out", paramLabel = "DIR", description = "Directory to write the bundle into (a USB stick, a diode outbox).")
    Path out;

    @Option(names = "--state", paramLabel = "DIR", description = "Exporter ledger directory. Default: $XDG_STATE_HOME/airlock/export.")
    Path state;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML with the same settings (images, channel, key, out, ...); flags win.")
    Path config;

    @Option(names = "--json", description = "Print the result as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ExportConfig c = config != null ? ExportConfig.load(config) : ExportConfig.empty();
        List<String> allImages = !images.isEmpty() ? images : c.images() != null ? c.images() : List.of();
        String ch = require(channel != null ? channel : c.channel(), "--channel");
        List<Path> keyFiles = !keys.isEmpty() ? keys
                : c.key() != null ? List.of(ExportConfig.resolve(config, c.key())) : List.of();
        if (keyFiles.isEmpty()) {
            require(null, "--key");
        }
        Path outDir = require(out != null ? out : ExportConfig.resolve(config, c.out()), "--out");
        Path stateDir = state != null ? state : c.state() != null ? ExportConfig.resolve(config, c.state()) : ExportLedger.defaultStateDir();
        Path pass = passphraseFile != null ? passphraseFile : ExportConfig.resolve(config, c.passphraseFile());
        if (registry.authFile == null) {
            registry.authFile = ExportConfig.resolve(config, c.authFile());
        }
        PrintWriter err = spec.commandLine().getErr();
        RegistryClient client = new RegistryClient(registry.toOptions(c.insecureRegistries(), ExportConfig.resolve(config, c.caFile())));
        ExportService service = new ExportService(client, output.listener(err));
        ExportResult r = service.bundle(new ExportRequest(allImages, ch, keyFiles, Passphrases.read(pass), outDir, stateDir));
        print(r, spec.commandLine().getOut());
        return 0;
    }

    private void print(ExportResult r, PrintWriter out) throws Exception {
        BundleManifest m = r.manifest();
        long bytes = m.blobs().stream().mapToLong(BundleManifest.Blob::size).sum();
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = mapper.createObjectNode();
            o.put("file", r.file().toString());
            o.put("digest", r.digest().toString());
            o.put("channel", m.channel());
            o.put("sequence", m.sequence());
            o.put("full", m.isFull());
            o.set("signers", mapper.valueToTree(r.signers()));
            o.put("blobs", m.blobs().size());
            o.put("blobBytes", bytes);
            o.put("fileSize", r.fileSize());
            o.set("images", mapper.valueToTree(m.images()));
            out.println(mapper.writeValueAsString(o));
            return;
        }
        out.printf("bundle   %s%n", r.file());
        out.printf("digest   %s%n", r.digest());
        out.printf("channel  %s  sequence %d (%s)%n", m.channel(), m.sequence(), m.isFull() ? "full" : "delta");
        r.signers().forEach(s -> out.printf("signer   %s%n", s));
        out.printf("carries  %d blobs, %s%n", m.blobs().size(), Units.bytes(bytes));
        for (BundleManifest.Image i : m.images()) {
            out.printf("image    %s  %s%n", i.source(), i.digest());
        }
    }

    private static <T> T require(T value, String flag) {
        if (value == null) {
            throw AirlockException.usage("missing " + flag + " (or its setting in --config)");
        }
        return value;
    }
}
