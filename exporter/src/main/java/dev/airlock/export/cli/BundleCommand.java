package dev.airlock.export.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.cli.RegistryOptionsMixin;
import dev.airlock.cli.OutputOptionsMixin;
import dev.airlock.cli.Units;
import dev.airlock.cli.JsonOutput;
import dev.airlock.export.ExportRequest;
import dev.airlock.export.ExportResult;
import dev.airlock.export.ExportService;
import dev.airlock.export.sftp.PushRequest;
import dev.airlock.export.sftp.PushResult;
import dev.airlock.export.sftp.PushService;
import dev.airlock.error.AirlockException;
import dev.airlock.io.Background;
import dev.airlock.io.Trace;
import dev.airlock.registry.RegistryClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bundle", mixinStandardHelpOptions = true,
        footerHeading = dev.airlock.cli.Cli.EXAMPLES, footer = {
            "  # carry two images on the channel 'scanners' to a USB stick",
            "  airlock-export bundle --channel scanners --key mirror.key.asc --out /media/usb \\",
            "      --image registry.gitlab.com/security-products/semgrep:5 --image alpine:3.20",
            "  # the same from a config file, as 4 GB volumes for a FAT32 stick",
            "  airlock-export bundle --config scanners.yaml --out /media/usb --max-volume-size 4G"},
        description = "Pull the images and write OUT/CHANNEL-NNNNNN.airlock.tar (or its volumes, with --max-volume-size), signed: "
                + "a delta after the channel's last bundle, or a full bundle for a new channel or with --full.")
final class BundleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptionsMixin output;

    @Mixin
    BundleOptions options;

    @Option(names = "--json", description = "Print the result as JSON on stdout.")
    boolean json;

    /** The --preset of this run, or null. */
    private PresetRun preset;

    /** The docker archives written next to the bundle (SECURE_BINARIES_SAVE_ARTIFACTS), or none. */
    private java.util.List<java.nio.file.Path> artifacts = java.util.List.of();

    @Override
    public Integer call() throws Exception {
        Trace.mark("bundle: call");
        PrintWriter err = spec.commandLine().getErr();
        preset = options.preset();
        if (preset != null && preset.skipsDownload(output.report(spec.commandLine().getOut(), json), json, JsonOutput.BUNDLE)) {
            return 0;
        }
        ExportRequest request = options.request();
        PushRequest pushRequest = options.pushRequest();
        // The identity, its passphrase and known_hosts are checked before anything is exported.
        PushService push = pushRequest == null ? null : new PushService(pushRequest, () -> output.listener(err), err);
        // The HTTP client is made on the other core while the keys are read and the ledger loaded.
        Background<RegistryClient> client = Background.start(options::client);
        ExportService.Outcome outcome;
        try {
            if (preset != null) {
                request = preset.check(client.get(), request, RegistryOptionsMixin.parallel(options.parallel));
            }
            ExportService service = options.configure(new ExportService(client, output.listener(err),
                    RegistryOptionsMixin.parallel(options.parallel))).otherInputs(options.otherInputs());
            outcome = options.ifChanged ? service.bundleIfChanged(request) : new ExportService.Outcome(service.bundle(request), null);
            ExportResult written = outcome.written();
            if (written != null && preset != null && preset.saveArtifacts()) {
                try {
                    artifacts = preset.saveArtifacts(client.get(), written);
                } catch (AirlockException e) {
                    throw e.withSuffix(" — while writing the docker archives (SECURE_BINARIES_SAVE_ARTIFACTS); the bundle " + written.file()
                            + " itself is complete and recorded");
                }
            }
        } finally {
            client.whenDone(RegistryClient::close);
        }
        PrintWriter out = output.report(spec.commandLine().getOut(), json);
        if (outcome.unchanged() != null) {
            printUnchanged(outcome.unchanged(), out);
            return 0; // nothing written, so nothing to push
        }
        ExportResult r = outcome.written();
        if (push == null) {
            print(r, out, null);
            return 0;
        }
        if (!json) {
            print(r, out, null);
            out.flush();
        }
        PushResult pushed;
        try {
            // With --json, stdout holds the JSON alone, with -q nothing: the remote command's stdout goes to stderr.
            pushed = push.push(r.files(), Relay.to(json || output.quiet ? err : out), Relay.to(err));
        } catch (AirlockException e) {
            throw e.withSuffix("; the bundle " + r.file() + " is complete and recorded as sent: push it with airlock-export push"
                    + " (running bundle again would write the next one)");
        }
        if (json) {
            print(r, out, pushed);
        }
        return PushCommand.report(pushed, out, err, false, !json);
    }

    private void printUnchanged(ExportService.Unchanged u, PrintWriter out) throws Exception {
        if (json) {
            ObjectMapper mapper = JsonOutput.MAPPER;
            ObjectNode o = JsonOutput.object(JsonOutput.BUNDLE);
            o.put("changed", false);
            o.putNull("bundle");
            ObjectNode last = o.putObject("last");
            last.put("path", u.file());
            last.put("digest", u.digest());
            last.put("channel", u.channel());
            last.put("sequence", u.sequence());
            last.put("imageCount", u.images());
            if (preset != null) {
                o.set("preset", preset.toJson(mapper));
            }
            out.println(JsonOutput.write(o));
            return;
        }
        out.printf("nothing new on channel %s since bundle %d (%s, %s): its %d image(s) have the same digests;"
                + " nothing written (--if-changed)%n", u.channel(), u.sequence(), u.file(), u.digest(), u.images());
    }

    private void print(ExportResult r, PrintWriter out, PushResult pushed) throws Exception {
        BundleManifest m = r.manifest();
        if (json) {
            ObjectMapper mapper = JsonOutput.MAPPER;
            ObjectNode o = JsonOutput.object(JsonOutput.BUNDLE);
            o.put("changed", true);
            ObjectNode bundle = JsonOutput.bundle(o, r.file().toString(), r.digest().toString(), m);
            bundle.put("size", r.fileSize());
            bundle.set("volumes", mapper.valueToTree(r.volumes().stream().map(Path::toString).toList()));
            bundle.put("readBack", r.readBack());
            o.set("signers", mapper.valueToTree(r.signers()));
            o.set("images", mapper.valueToTree(m.images()));
            JsonOutput.blobs(o, m, true);
            o.set("report", r.report() == null ? null : ((ObjectNode) JsonOutput.report(m, "written")).put("path", r.report().toString()));
            if (preset != null) {
                o.set("preset", preset.toJson(mapper));
                o.set("artifacts", mapper.valueToTree(artifacts.stream().map(Path::toString).toList()));
            }
            if (pushed != null) {
                o.set("push", PushCommand.json(pushed, mapper.createObjectNode()));
            }
            out.println(JsonOutput.write(o));
            return;
        }
        out.printf("bundle   %s%n", r.file());
        if (!r.volumes().isEmpty()) {
            out.printf("volumes  %d: %s … %s (%s in all)%n", r.volumes().size(), r.volumes().get(0).getFileName(),
                    r.volumes().get(r.volumes().size() - 1).getFileName(), Units.bytes(r.fileSize()));
        }
        out.printf("checked  %s%n", r.readBack() == null ? "not read back (--no-verify-after-write)"
                : r.readBack().equals("O_DIRECT") ? "read back from the medium (O_DIRECT) and every byte matched"
                : r.readBack().equals("posix_fadvise") ? "read back from the medium (page cache dropped first, posix_fadvise) and every byte matched"
                : "read back through the page cache (this file system refuses O_DIRECT) and every byte matched");
        out.printf("digest   %s%n", r.digest());
        if (r.report() != null) {
            out.printf("report   %s (sha256 %s, in bundle.json)%n", r.report(), m.report().sha256());
        }
        out.printf("channel  %s  sequence %d (%s)%n", m.channel(), m.sequence(),
                m.isFull() ? "full" : "delta after " + m.parent().sequence());
        r.signers().forEach(s -> out.printf("signer   %s%n", s));
        out.printf("carries  %s; %d blob(s) left to earlier bundles%n", dev.airlock.cli.CarriedText.of(m), m.requires().size());
        if (r.platformChange() != null) {
            out.printf("platform %s%n", r.platformChange());
        }
        for (BundleManifest.Image i : m.images()) {
            out.printf("image    %s  %s%n", i.source(), i.digest());
            String cut = dev.airlock.report.PlatformSummary.of(i);
            if (cut != null) {
                out.printf("         %s%n", cut);
            }
        }
        if (preset != null) {
            preset.printSkipped(out);
        }
        artifacts.forEach(a -> out.printf("archive  %s  (docker load -i)%n", a));
    }
}
