package dev.airlock.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleManifest;
import dev.airlock.bundle.BundleNames;
import dev.airlock.bundle.BundleWriter;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.digest.Digest;
import dev.airlock.digest.VerifyingInputStream;
import dev.airlock.error.AirlockException;
import dev.airlock.io.TransferListener;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.ImageReference;
import dev.airlock.oci.ImageTree;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** Pulls images from their registries and writes one signed bundle. No CLI types in here. */
public final class ExportService {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String TOOL = "airlock 0.1.0";

    private final RegistryClient registry;
    private final TransferListener listener;

    public ExportService(RegistryClient registry, TransferListener listener) {
        this.registry = registry;
        this.listener = listener;
    }

    /** A blob to carry, and the repository to pull it from. */
    private record Source(RegistryClient.Repository repository, Descriptor descriptor) {
    }

    public ExportResult bundle(ExportRequest request) {
        if (!BundleManifest.CHANNEL.matcher(request.channel()).matches()) {
            throw AirlockException.usage("invalid channel name '" + request.channel()
                    + "': use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)");
        }
        if (request.images().isEmpty()) {
            throw AirlockException.usage("no images given; pass --image REF (repeatable) or list them under images: in --config");
        }
        if (request.keyFiles().isEmpty()) {
            throw AirlockException.usage("no signing key given; pass --key KEY.asc (make one with 'airlock-export keygen')");
        }
        List<BundleSigner> signers = new ArrayList<>();
        for (Path key : request.keyFiles()) {
            signers.add(new BundleSigner(OpenPgpKeys.readSecretKey(key), request.passphrase()));
        }
        prepareOutDir(request.outDir());
        ExportLedger ledger = ExportLedger.load(request.stateDir(), request.channel());

        List<BundleManifest.Image> images = new ArrayList<>();
        Map<Digest, RawManifest> manifests = new LinkedHashMap<>();
        Map<Digest, Source> blobs = new LinkedHashMap<>();
        for (String text : new LinkedHashSet<>(request.images())) {
            ImageReference ref = ImageReference.parse(text);
            RegistryClient.Repository repo = registry.repository(ref.apiHost(), ref.repository());
            RawManifest top = repo.getManifest(ref.manifestReference());
            ImageTree tree = ImageTree.walk(top, d -> repo.getManifest(d.digest().toString()));
            images.add(new BundleManifest.Image(ref.toString(), ref.registry(), ref.repository(), ref.tag(),
                    top.digest().toString(), top.mediaType()));
            tree.manifests().forEach(manifests::putIfAbsent);
            for (Descriptor d : tree.blobs().values()) {
                Source seen = blobs.putIfAbsent(d.digest(), new Source(repo, d));
                if (seen != null && seen.descriptor().size() != d.size()) {
                    throw AirlockException.verification("blob " + d.digest() + " is referenced with two sizes ("
                            + seen.descriptor().size() + " in " + seen.repository().name() + ", " + d.size() + " in " + repo.name() + ")");
                }
            }
        }

        List<BundleManifest.Blob> carried = new ArrayList<>();
        manifests.values().forEach(m -> carried.add(new BundleManifest.Blob(m.digest().toString(), m.size(), m.mediaType())));
        blobs.values().forEach(s -> carried.add(new BundleManifest.Blob(s.descriptor().digest().toString(),
                s.descriptor().size(), s.descriptor().mediaType())));

        byte[] ociLayout = ("{\"imageLayoutVersion\":\"" + MediaTypes.OCI_LAYOUT_VERSION + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] index = indexJson(images, manifests);
        long sequence = ledger.nextSequence();
        String created = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        BundleManifest manifest = new BundleManifest(BundleManifest.FORMAT, request.channel(), sequence, null, created, TOOL,
                new BundleManifest.Layout(ref(ociLayout), ref(index)), images, carried, List.of());
        byte[] manifestJson = manifest.toJson();
        java.io.ByteArrayOutputStream signatures = new java.io.ByteArrayOutputStream();
        for (BundleSigner s : signers) {
            signatures.writeBytes(s.sign(manifestJson));
        }
        byte[] signature = signatures.toByteArray();
        Digest bundleDigest = Digest.sha256Of(manifestJson);

        Path target = request.outDir().resolve(BundleNames.fileName(request.channel(), sequence));
        long total = carried.stream().mapToLong(BundleManifest.Blob::size).sum();
        listener.planned("exporting", total, carried.size());
        try {
            BundleWriter.write(target, manifestJson, signature, ociLayout, index, manifest,
                    blob -> open(blob, manifests, blobs), listener);
        } catch (VerifyingInputStream.DigestMismatchException e) {
            throw AirlockException.registry("the source registry sent bad content, nothing was written: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new AirlockException(AirlockException.Kind.INTERNAL, "cannot write bundle " + target + ": " + e.getMessage(), e);
        }
        listener.done();
        ledger.record(new ExportLedger.Entry(sequence, bundleDigest.toString(), target.getFileName().toString(), created, true));
        long size;
        try {
            size = Files.size(target);
        } catch (IOException e) {
            size = -1;
        }
        return new ExportResult(target, bundleDigest, manifest, size, signers.stream().map(BundleSigner::fingerprint).toList());
    }

    private InputStream open(BundleManifest.Blob blob, Map<Digest, RawManifest> manifests, Map<Digest, Source> blobs) {
        Digest d = Digest.parse(blob.digest());
        RawManifest m = manifests.get(d);
        if (m != null) {
            return new ByteArrayInputStream(m.bytesUnsafe());
        }
        Source s = blobs.get(d);
        return new VerifyingInputStream(s.repository().openBlob(d, blob.size()), d, blob.size(),
                "blob " + d + " from " + s.repository().host() + "/" + s.repository().name());
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
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void prepareOutDir(Path out) {
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw AirlockException.usage("cannot create output directory " + out + ": " + e.getMessage());
        }
        if (!Files.isWritable(out)) {
            throw AirlockException.usage("output directory " + out + " is not writable");
        }
    }
}
