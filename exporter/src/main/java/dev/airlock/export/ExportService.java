package dev.airlock.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.BundleNames;
import dev.airlock.bundle.BundleWriter;
import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.copy.AttachedSelection;
import dev.airlock.copy.AttachmentDiscovery;
import dev.airlock.copy.CopyEngine;
import dev.airlock.copy.CopyPlan;
import dev.airlock.copy.HeldBlobs;
import dev.airlock.copy.ImageSource;
import dev.airlock.copy.Repo;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.SignatureBlock;
import dev.airlock.crypto.SignerCertificates;
import dev.airlock.digest.Digest;
import dev.airlock.dockerarchive.DockerArchiveSource;
import dev.airlock.dockerarchive.DockerArchives;
import dev.airlock.error.AirlockException;
import dev.airlock.io.AtomicFiles;
import dev.airlock.io.Background;
import dev.airlock.io.ChannelLock;
import dev.airlock.io.OutputFiles;
import dev.airlock.io.ReadBack;
import dev.airlock.io.Trace;
import dev.airlock.io.TransferListener;
import dev.airlock.export.plan.AttachmentStep;
import dev.airlock.export.plan.ChainPosition;
import dev.airlock.export.plan.DeltaPlan;
import dev.airlock.export.plan.ImageResolver;
import dev.airlock.export.plan.PlatformNotes;
import dev.airlock.export.plan.PlatformSelection;
import dev.airlock.export.plan.Resolved;
import dev.airlock.export.plan.UpstreamStep;
import dev.airlock.export.plan.Wanted;
import dev.airlock.upstream.ImageVerification;
import dev.airlock.upstream.UpstreamPolicy;
import dev.airlock.report.AttachedSummary;
import dev.airlock.oci.ImageReference;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryClient;
import dev.airlock.registry.RegistrySource;
import dev.airlock.report.ReportFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Pulls images from their registries and writes one signed bundle: a delta after the channel's
 * last bundle (only blobs never sent along that chain), a {@code --full} bundle, or a
 * {@code --since} catch-up. No CLI types in here.
 */
public final class ExportService {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String TOOL = "airlock " + dev.airlock.cli.Version.number();
    /** For crash tests only: halt the JVM at "before-rename", "between-renames" (volumes renamed, their list not yet) or "after-rename". */
    static final String CRASH_POINT = "airlock.test.crashAt";

    private final Supplier<RegistryClient> registry;
    private final TransferListener listener;

    private final int parallelism;
    private AttachedSelection attached = AttachedSelection.ALL;
    private ImageVerification upstream;
    private PlatformSelection.Options platforms = PlatformSelection.Options.ALL;
    private List<String> dockerArchives = List.of();
    private List<Path> otherInputs = List.of();
    private boolean report = true;
    /** The --preset that chose the images, recorded in bundle.json; null for none. */
    private String preset;

    public ExportService(RegistryClient registry, TransferListener listener) {
        this(registry, listener, 4);
    }

    /** @param parallelism blobs fetched at once */
    public ExportService(RegistryClient registry, TransferListener listener, int parallelism) {
        this(() -> registry, listener, parallelism);
    }

    /** @param registry the registry client, asked for once the request checked out (it may still be in the making) */
    public ExportService(Supplier<RegistryClient> registry, TransferListener listener, int parallelism) {
        this.registry = registry;
        this.listener = listener;
        this.parallelism = parallelism;
    }

    /**
     * Also carries the images of these docker archives ({@code FILE} or {@code FILE=NAME:TAG}, see
     * {@link DockerArchiveSource}), after the registry images, under their RepoTags.
     */
    /** Other files the run reads (its config, its passphrase file): never removed or replaced by what it writes in --out. */
    public ExportService otherInputs(List<Path> files) {
        this.otherInputs = List.copyOf(files);
        return this;
    }

    /**
     * Checks every image's upstream signatures against {@code policy} ({@code --verify-policy})
     * before anything is written, and records what verified each in bundle.json; null: no check.
     */
    public ExportService verifyPolicy(UpstreamPolicy policy) {
        this.upstream = policy == null ? null : ImageVerification.of(policy);
        return this;
    }

    /** Which attachments cross with the images ({@code --attached}; default: all). */
    public ExportService attached(AttachedSelection selection) {
        this.attached = selection;
        return this;
    }

    /** Which platforms of each index cross, and what lands for a cut index ({@code --platform}, {@code --platform-index}). */
    public ExportService platforms(PlatformSelection.Options options) {
        this.platforms = options;
        return this;
    }

    public ExportService dockerArchives(List<String> specs) {
        this.dockerArchives = List.copyOf(specs);
        return this;
    }

    /**
     * Whether to write the approver's report {@code NAME.report.md} next to the bundle, its sha256
     * in bundle.json (default: yes; {@code --no-report} turns it off).
     */
    public ExportService report(boolean on) {
        this.report = on;
        return this;
    }

    /** The preset that chose the images ({@code --preset}), named in bundle.json for the importer; null for none. */
    public ExportService preset(String name) {
        this.preset = name;
        return this;
    }

    /** Every image's place in a bundle: the bundle has no repositories, so one label for all. */
    private static final Repo IN_BUNDLE = new Repo("bundle", "");

    /** Everything needed to write the bundle, computed before a byte of a blob is fetched. */
    private record Prepared(ExportPlan plan, BundleManifest manifest, byte[] manifestJson, byte[] signature, byte[] ociLayout,
            byte[] index, CopyPlan copy, ImageSource source, List<ExportLedger.ImageRecord> images,
            List<String> carried, List<String> signers, List<BundleSigner> keys, byte[] report) {
    }

    /**
     * Computes what {@link #bundle} would write, writing nothing and reading no key. The signers
     * are only counted (the request's key files, at least one; never opened): the signature entry's
     * size depends on their number alone ({@link SignatureBlock}). The ledger is read without the
     * channel lock, so a running export neither blocks nor fails a plan.
     */
    public ExportPlan plan(ExportRequest request) {
        checkRequest(request);
        try (DockerArchives archives = DockerArchives.open(dockerArchives, new RegistrySource(this.registry.get()))) {
            return prepare(request, ExportLedger.readOnly(request.stateDir(), request.channel()), null, archives).plan();
        }
    }

    public ExportResult bundle(ExportRequest request) {
        return bundle(request, false).written();
    }

    /**
     * The channel's last bundle, which {@code bundle --if-changed} found to name the same images
     * with the same manifest digests, so that nothing was written.
     */
    public record Unchanged(String channel, long sequence, String digest, String file, int images) {
    }

    /** What {@link #bundleIfChanged} did: wrote a bundle, or found nothing new (exactly one is non-null). */
    public record Outcome(ExportResult written, Unchanged unchanged) {
    }

    /**
     * Like {@link #bundle}, but writes nothing — no bundle, no ledger entry, no sequence used —
     * when every image resolves to the manifest digest it had in the channel's last bundle (the one
     * the next delta would follow) and no image was added or removed. Keys are still read, so a
     * broken key shows on every run and not only on the next change.
     */
    public Outcome bundleIfChanged(ExportRequest request) {
        if (request.full() || request.since() != null) {
            throw AirlockException.usage("--if-changed compares with the channel's last bundle; it does not combine with "
                    + (request.full() ? "--full" : "--since"));
        }
        return bundle(request, true);
    }

    /**
     * The bundle writer's temporary files are {@code OUT/.NAME.partial}, fixed names that a later
     * run settles after a crash, so whatever holds one is removed before writing, and the report
     * {@code OUT/NAME.report.md} replaces what is there: an input (a docker archive, a key, the
     * config, the passphrase file) that is, or is reached through a link at, such a name in
     * {@code --out} is refused rather than destroyed.
     */
    private void refuseInputsNamedAsTemporaries(ExportRequest request) {
        List<Path> inputs = new ArrayList<>(request.keyFiles());
        inputs.addAll(otherInputs);
        for (String spec : dockerArchives) {
            // The file the archive reader opens: it always splits FILE=NAME:TAG at the last '=' (red-team pass F).
            int eq = spec.lastIndexOf('=');
            inputs.add(Path.of(eq < 0 ? spec : spec.substring(0, eq)));
        }
        for (Path in : inputs) {
            try {
                Path real = in.toRealPath();
                String name = real.getFileName() == null ? "" : real.getFileName().toString();
                boolean taken = name.startsWith(".") && name.endsWith(".partial") || name.endsWith(".airlock.report.md");
                if (taken && real.getParent() != null && Files.isSameFile(real.getParent(), request.outDir())) {
                    throw AirlockException.usage(in + (real.equals(in.toAbsolutePath()) ? "" : " (" + real + ")") + " lies in --out "
                            + request.outDir() + " under a name the exporter writes (.NAME.partial, NAME.report.md), which it removes or"
                            + " replaces; move or rename it");
                }
            } catch (IOException e) {
                // an input that cannot be looked at is named by its own reader
            }
        }
    }

    private Outcome bundle(ExportRequest request, boolean ifChanged) {
        Trace.mark("export: start");
        checkRequest(request);
        if (request.keyFiles().isEmpty()) {
            throw AirlockException.usage("no signing key given; pass --key KEY.asc (make one with 'airlock-export keygen')");
        }
        prepareOutDir(request.outDir());
        refuseInputsNamedAsTemporaries(request);
        Background<List<BundleSigner>> signers = readKeys(request);
        try (DockerArchives archives = DockerArchives.open(dockerArchives, new RegistrySource(this.registry.get()));
                ChannelLock lock = ChannelLock.acquire(request.stateDir(), request.channel(), "airlock-export")) {
            ExportLedger ledger = ExportLedger.load(request.stateDir(), request.channel());
            Trace.mark("export: ledger loaded");
            Prepared p = prepare(request, ledger, signers, archives);
            Trace.mark("export: prepared");
            if (ifChanged) {
                Unchanged same = unchanged(ledger, p);
                if (same != null) {
                    return new Outcome(null, same);
                }
            }
            return new Outcome(write(p, ledger, request.media()), null);
        }
    }

    private void checkRequest(ExportRequest request) {
        if (!BundleManifest.CHANNEL.matcher(request.channel()).matches()) {
            throw AirlockException.usage("invalid channel name '" + request.channel()
                    + "': use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)");
        }
        if (request.images().isEmpty() && dockerArchives.isEmpty()) {
            throw AirlockException.usage("no images given; pass --image REF (repeatable) or list them under images: in --config"
                    + ", or --from-docker-archive FILE.tar");
        }
        if (request.full() && request.since() != null) {
            throw AirlockException.usage("--full and --since exclude each other");
        }
    }

    /** Keys are parsed (and Bouncy Castle set up) on the other core while manifests are fetched. */
    private static Background<List<BundleSigner>> readKeys(ExportRequest request) {
        return Background.start(() -> {
            List<BundleSigner> list = new ArrayList<>();
            for (Path key : request.keyFiles()) {
                list.add(new BundleSigner(OpenPgpKeys.readSecretKey(key), request.passphrase()));
            }
            return list;
        });
    }

    /**
     * Plans the bundle top to bottom: where it goes in the chain, the images read from their
     * sources, what is attached to them, which bytes cross; then the signed bundle.json around it.
     *
     * @param signers the keys that sign, or null for a plan: then nothing is signed and the key files are only counted
     */
    private Prepared prepare(ExportRequest request, ExportLedger ledger, Background<List<BundleSigner>> signers,
            DockerArchives source) {
        ChainPosition chain = ChainPosition.locate(request, ledger);
        // Manifests, tag lists and referrers are small requests: more of them at once than blobs.
        int requests = Math.min(16, Math.max(8, parallelism * 2));
        List<Resolved> resolved = ImageResolver.resolve(wanted(request, source), source, requests);
        PlatformSelection.Selected cut = PlatformSelection.apply(resolved, platforms);
        resolved = AttachmentStep.discover(cut.images(), new AttachmentDiscovery(source, discovered()), requests);
        Trace.mark("export: manifests fetched");
        List<BundleManifest.Upstream> checked = upstream == null ? null : UpstreamStep.check(resolved, upstream, source, requests);
        resolved = carried(resolved);
        DeltaPlan delta = DeltaPlan.of(resolved, chain.present());
        List<BundleManifest.Image> images = new ArrayList<>();
        for (int i = 0; i < resolved.size(); i++) {
            Resolved r = resolved.get(i);
            BundleManifest.Image image = bundleImage(r, cut.cut().get(r.ref().toString()));
            images.add(checked == null ? image : image.withUpstream(checked.get(i)));
        }
        List<CopyPlan.Image> copies = resolved.stream().map(r -> new CopyPlan.Image(r.repo(), IN_BUNDLE, r.tree(), null,
                r.attached())).toList();
        return assemble(request, ledger, signers, source, chain, delta, images, copies, statuses(resolved, chain), records(resolved));
    }

    /** What discovery looks for: what crosses, and at least the signatures a --verify-policy checks. */
    private AttachedSelection discovered() {
        return upstream != null && attached == AttachedSelection.NONE ? AttachedSelection.SIGNATURES : attached;
    }

    /** Signatures found only to check them (--verify-policy with --attached none) do not cross. */
    private List<Resolved> carried(List<Resolved> resolved) {
        return discovered() == attached ? resolved : resolved.stream().map(r -> r.withAttached(List.of())).toList();
    }

    /** The registry images named, then the docker archives' images under their RepoTags. */
    private static List<Wanted> wanted(ExportRequest request, DockerArchives source) {
        List<Wanted> wanted = new ArrayList<>();
        for (String text : request.images()) {
            ImageReference ref = ImageReference.parse(text);
            wanted.add(new Wanted(ref, new Repo(ref.apiHost(), ref.repository()), ref.manifestReference()));
        }
        for (DockerArchiveSource.Image a : source.images()) {
            wanted.add(new Wanted(a.reference(), a.repo(), a.manifest().digest().toString()));
        }
        return wanted;
    }

    private static BundleManifest.Image bundleImage(Resolved r, BundleManifest.Platforms cut) {
        ImageReference ref = r.ref();
        RawManifest top = r.tree().top();
        List<BundleManifest.Attachment> attached = r.attached().stream().map(a -> new BundleManifest.Attachment(
                a.subject().toString(), a.digest().toString(), a.tree().top().mediaType(), a.tree().top().artifactType(), a.tag(),
                a.referrer(), a.kind().type().name().toLowerCase(java.util.Locale.ROOT), a.kind().detail())).toList();
        return new BundleManifest.Image(ref.toString(), ref.registry(), ref.repository(), ref.tag(), top.digest().toString(),
                top.mediaType(), attached, cut);
    }

    /** Each image against what the chain named before: new, changed, unchanged, removed; and attachments not yet carried. */
    private static List<ExportPlan.ImageStatus> statuses(List<Resolved> resolved, ChainPosition chain) {
        List<ExportPlan.ImageStatus> statuses = new ArrayList<>();
        Set<String> named = new LinkedHashSet<>();
        for (Resolved r : resolved) {
            String source = r.ref().toString();
            named.add(source);
            String digest = r.tree().top().digest().toString();
            String before = chain.previous().get(source);
            String status = before == null ? "new" : before.equals(digest) ? "unchanged" : "changed";
            List<String> sent = chain.previouslyAttached().getOrDefault(source, List.of());
            List<String> fresh = r.attached().stream().map(a -> a.digest().toString()).filter(d -> !sent.contains(d)).toList();
            String summary = r.attached().isEmpty() ? null : AttachedSummary.ofAttached(r.attached());
            statuses.add(new ExportPlan.ImageStatus(source, status, digest, before, summary, fresh.size(), fresh));
        }
        chain.previous().forEach((src, digest) -> {
            if (!named.contains(src)) {
                statuses.add(new ExportPlan.ImageStatus(src, "removed", null, digest));
            }
        });
        return statuses;
    }

    private static List<ExportLedger.ImageRecord> records(List<Resolved> resolved) {
        return resolved.stream().map(r -> new ExportLedger.ImageRecord(r.ref().toString(), r.tree().top().digest().toString(),
                r.trees().stream().flatMap(t -> t.blobs().keySet().stream()).map(Digest::toString).distinct().toList(),
                r.attached().stream().map(a -> a.digest().toString()).toList())).toList();
    }

    /** bundle.json, its signature, the layout files, the approver's report and the plan, around a decided delta. */
    private Prepared assemble(ExportRequest request, ExportLedger ledger, Background<List<BundleSigner>> signers, DockerArchives source,
            ChainPosition chain, DeltaPlan delta, List<BundleManifest.Image> images, List<CopyPlan.Image> copies,
            List<ExportPlan.ImageStatus> statuses, List<ExportLedger.ImageRecord> records) {
        List<BundleManifest.Blob> carried = delta.carried();
        byte[] ociLayout = ("{\"imageLayoutVersion\":\"" + MediaTypes.OCI_LAYOUT_VERSION + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] index = indexJson(images, delta.manifests());
        long sequence = ledger.nextSequence();
        ExportLedger.Entry parent = chain.parent();
        BundleManifest.Parent parentRef = parent == null ? null : new BundleManifest.Parent(parent.sequence(), parent.digest());
        String created = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String format = images.stream().anyMatch(i -> !i.attached().isEmpty() || i.platforms() != null || i.upstream() != null)
                ? BundleManifest.FORMAT_ATTACHED
                : BundleManifest.FORMAT;
        BundleManifest manifest = new BundleManifest(format, request.channel(), sequence, parentRef, created, TOOL,
                new BundleManifest.Layout(ref(ociLayout), ref(index)), images, carried, delta.requires());
        String fileName = BundleNames.fileName(request.channel(), sequence);
        byte[] reportBytes = null;
        ImageSource copyFrom = source;
        if (report) {
            // Written before bundle.json, whose signature then covers it through its sha256.
            // A plan needs only the digest's length, so it fetches no config and reads no key for it.
            Map<Digest, byte[]> configs = signers == null ? Map.of() : ApproverReport.prefetch(copies, manifest, source);
            copyFrom = HeldBlobs.over(source, configs); // the configs the report read are not fetched again
            reportBytes = signers == null ? new byte[0] : ApproverReport.markdown(fileName, manifest,
                    signers.get().stream().map(BundleSigner::fingerprint).toList(), copies, source,
                    chain.previous().isEmpty() ? null : statuses, configs);
            manifest = new BundleManifest(manifest.format(), manifest.channel(), manifest.sequence(), manifest.parent(), manifest.created(),
                    manifest.tool(), manifest.layout(), manifest.images(), manifest.blobs(), manifest.requires(),
                    new BundleManifest.Report(ReportFile.nameFor(fileName), ReportFile.sha256(reportBytes)));
        }
        manifest = manifest.withPreset(preset);
        int signerCount = signers == null ? Math.max(1, request.keyFiles().size()) : signers.get().size();
        // Padded to a fixed size per signer, so a plan, which reads no key, counts them exactly.
        manifest = manifest.withSignerCertificates(signers == null ? SignerCertificates.placeholders(signerCount)
                : SignerCertificates.padded(signers.get()));
        byte[] manifestJson = manifest.toJson();
        byte[] signature = signers == null ? null : SignatureBlock.sign(manifestJson, signers.get());
        dev.airlock.bundle.BlobCount count = dev.airlock.bundle.BlobCount.of(carried);
        Path target = request.outDir() == null ? Path.of(fileName) : request.outDir().resolve(fileName);
        long size = BundleWriter.expectedSize(manifestJson.length, SignatureBlock.size(signerCount), ociLayout.length, index.length,
                manifest);
        ExportPlan plan = new ExportPlan(request.channel(), sequence, parentRef, target, statuses, count.blobs(), count.blobBytes(),
                delta.requires().size(), delta.savedBytes(), size, signerCount, PlatformNotes.of(images, platforms.names(), ledger));
        return new Prepared(plan, manifest, manifestJson, signature, ociLayout, index, new CopyPlan(copies, delta.elsewhere(), List.of()),
                copyFrom, records, delta.carriedBlobs().keySet().stream().map(Digest::toString).toList(),
                signers == null ? List.of() : signers.get().stream().map(BundleSigner::fingerprint).toList(),
                signers == null ? List.of() : signers.get(), reportBytes);
    }

    /** The channel's last bundle if it named exactly these images at exactly these digests, else null. */
    private Unchanged unchanged(ExportLedger ledger, Prepared p) {
        ExportLedger.Entry head = ledger.head().orElse(null);
        if (head == null) {
            return null;
        }
        Map<String, String> before = new java.util.HashMap<>();
        head.images().forEach(i -> before.put(i.source(), i.digest()));
        Map<String, String> now = new java.util.HashMap<>();
        p.images().forEach(i -> now.put(i.source(), i.digest()));
        boolean nothingNewAttached = p.plan().images().stream().allMatch(s -> s.newAttached() == 0);
        boolean samePlatforms = java.util.Objects.equals(head.platforms(), platforms.names()); // a sparse index keeps its digest
        return before.equals(now) && nothingNewAttached && samePlatforms
                ? new Unchanged(p.manifest().channel(), head.sequence(), head.digest(), head.file(), now.size()) : null;
    }

    private ExportResult write(Prepared p, ExportLedger ledger, ExportRequest.Media media) {
        BundleManifest m = p.manifest();
        Path target = p.plan().target();
        boolean volumes = media.maxVolumeSize() > 0;
        refuseExisting(target, ledger);
        Digest bundleDigest = Digest.sha256Of(p.manifestJson());
        String platformChange = PlatformNotes.change(ledger.head().orElse(null), platforms.names()); // before this bundle is the head
        String fileName = volumes ? VolumeList.listName(target.getFileName().toString()) : target.getFileName().toString();
        ExportLedger.Entry entry = new ExportLedger.Entry(m.sequence(), bundleDigest.toString(),
                m.parent() == null ? null : m.parent().sequence(), fileName, m.created(), p.images(), p.carried(), platforms.names());
        BundleWriter.Media onto = new BundleWriter.Media(media.maxVolumeSize(), media.verifyAfterWrite(),
                volumes ? json -> SignatureBlock.signNaming(json, p.keys()) : null);
        BundleWriter.Written written = null;
        Path report = m.report() == null ? null : target.resolveSibling(m.report().name());
        if (report != null) {
            // A directory, FIFO or device under the report's name is refused, never replaced (nor deleted on failure).
            OutputFiles.check("the report", report, OutputFiles.Parents.MUST_EXIST, Map.of());
        }
        Path[] reportTmp = {null}; // the report's temporary file, once writeReport has created it
        try (BundleWriter writer = BundleWriter.create(target, p.manifestJson(), p.signature(), p.ociLayout(), p.index(), m, onto)) {
            if (report != null) {
                reportTmp[0] = writeReport(report, p.report(), media.verifyAfterWrite());
            }
            new CopyEngine(parallelism, listener).run(p.copy(), p.source(), writer, "exporting");
            Trace.mark("export: blobs written");
            written = writer.commit(new BundleWriter.BeforeCommit() {
                @Override
                public void run(Path marker, List<Path> members) throws IOException {
                    ledger.markPending(entry, marker, members);
                    if (report != null) {
                        // In place before the bundle's last file, so whoever sees the bundle complete finds its report.
                        AtomicFiles.commit(reportTmp[0], report);
                    }
                    crashIfAsked("before-rename");
                }

                @Override
                public void afterVolumesRenamed() {
                    crashIfAsked("between-renames");
                }
            });
        } catch (AirlockException e) {
            ledger.dropPending();
            throw e.withSuffix("; no bundle was written");
        } finally {
            if (written == null && report != null) {
                if (reportTmp[0] != null) {
                    deleteQuietly(reportTmp[0]);
                } // whatever failed, no report is left without its bundle
                deleteQuietly(report);
            }
        }
        Trace.mark("export: renamed");
        crashIfAsked("after-rename");
        ledger.commitPending();
        return result(p, written, bundleDigest, target, platformChange);
    }

    private static ExportResult result(Prepared p, BundleWriter.Written written, Digest bundleDigest, Path target, String platformChange) {
        long size;
        if (written.list() != null) {
            size = written.list().size();
        } else {
            try {
                size = Files.size(target);
            } catch (IOException e) {
                size = -1; // already moved on by a diode or sync job
            }
        }
        String readBack = written.readBack() == null ? null : written.readBack() == ReadBack.Mode.DIRECT ? "O_DIRECT"
                : written.readBack() == ReadBack.Mode.DROPPED ? "posix_fadvise" : "page cache";
        return new ExportResult(written.file(), bundleDigest, p.manifest(), size, p.signers(), written.volumes(), readBack, platformChange);
    }

    /**
     * Writes the report under its temporary name, fsynced and, with read-back on, read back from
     * the medium; {@link BundleWriter.BeforeCommit} renames it into place just before the bundle.
     */
    private static Path writeReport(Path report, byte[] bytes, boolean readBack) {
        Path tmp = null;
        try {
            // A killed run of this same bundle (same channel and sequence) left its report's temporary file.
            AtomicFiles.deleteLeftovers(report);
            tmp = AtomicFiles.writePartial(report, bytes, false);
            if (readBack) {
                java.nio.ByteBuffer got = java.nio.ByteBuffer.allocate(bytes.length);
                ReadBack.read(tmp, 0, bytes.length, true, (chunk, at) -> got.put(chunk.duplicate()));
                int at = got.flip().mismatch(java.nio.ByteBuffer.wrap(bytes));
                if (at >= 0) {
                    throw AirlockException.local("read-back after write failed: " + tmp + " at byte " + at
                            + " does not read back as written: the medium is failing", null);
                }
            }
            return tmp;
        } catch (IOException e) {
            if (tmp != null) {
                deleteQuietly(tmp);
            }
            throw AirlockException.local("cannot write the report " + (tmp == null ? report : tmp) + ": " + e.getMessage(), e);
        } catch (AirlockException e) {
            deleteQuietly(tmp); // read back wrong: the caller never learns this temporary name
            throw e;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a leftover report is replaced by the next bundle of the same name
        }
    }

    /**
     * Never replace a bundle that may not have crossed yet: the ledger does not know it, so the
     * state directory was reset or belongs to another exporter.
     */
    private static void refuseExisting(Path target, ExportLedger ledger) {
        Path existing = existingFileOf(target);
        if (existing != null) {
            throw AirlockException.usage(existing + " already exists but the exporter ledger (" + ledger.file()
                    + ") does not record it; move that bundle away, or use the state it was written with");
        }
    }

    /** A file already under one of the names this bundle would take (as one file or as volumes), or null. */
    private static Path existingFileOf(Path target) {
        String name = target.getFileName().toString();
        Path list = target.resolveSibling(VolumeList.listName(name));
        for (Path p : List.of(target, list, list.resolveSibling(list.getFileName() + ".asc"))) {
            if (Files.exists(p)) {
                return p;
            }
        }
        java.util.regex.Pattern volume = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(name) + "\\.\\d+");
        Path dir = target.toAbsolutePath().getParent();
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> volume.matcher(f.getFileName().toString()).matches()).sorted().findFirst().orElse(null);
        } catch (IOException e) {
            throw AirlockException.local("cannot list output directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void crashIfAsked(String point) {
        if (point.equals(System.getProperty(CRASH_POINT))) {
            Runtime.getRuntime().halt(99);
        }
    }

    private static BundleManifest.FileRef ref(byte[] bytes) {
        return new BundleManifest.FileRef(Digest.sha256Of(bytes).toString(), bytes.length);
    }

    /** The OCI layout index: one entry per image, named by its source reference. */
    private static byte[] indexJson(List<BundleManifest.Image> images, Map<Digest, RawManifest> manifests) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode list = root.putArray("manifests");
        for (BundleManifest.Image i : images) {
            RawManifest m = manifests.get(Digest.parse(i.digest()));
            ObjectNode d = list.addObject();
            d.put("mediaType", m.mediaType());
            d.put("digest", m.digest().toString());
            d.put("size", m.size());
            d.putObject("annotations").put(BundleNames.REF_NAME, i.source());
            for (BundleManifest.Attachment a : i.attached()) {
                // Every manifest reachable from index.json, as a layout should be; a cosign tag under its own name.
                RawManifest am = manifests.get(Digest.parse(a.digest()));
                ObjectNode ad = list.addObject();
                ad.put("mediaType", am.mediaType());
                ad.put("digest", am.digest().toString());
                ad.put("size", am.size());
                if (a.tag() != null) {
                    ad.putObject("annotations").put(BundleNames.REF_NAME, i.registry() + "/" + i.repository() + ":" + a.tag());
                }
            }
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void prepareOutDir(Path out) {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw AirlockException.usage("--out " + out + " is not a directory; name the directory to write the bundle into");
        }
        try {
            Files.createDirectories(out);
        } catch (java.nio.file.AccessDeniedException e) {
            // "DIR: permission denied (… needs write access to DIR)", DIR the directory the new one goes in.
            Path made = e.getFile() == null ? out.toAbsolutePath() : Path.of(e.getFile()).toAbsolutePath();
            throw OutputFiles.denied(made.getParent() == null ? made : made.getParent(), e);
        } catch (IOException e) {
            throw AirlockException.local("cannot create output directory " + out + ": " + e.getMessage(), e);
        }
        if (!Files.isWritable(out)) {
            throw AirlockException.local("output directory " + out + " is not writable (read-only file system or no permission)", null);
        }
    }
}
