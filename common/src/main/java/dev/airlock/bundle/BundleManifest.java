package dev.airlock.bundle;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code airlock/bundle.json}: what a bundle holds and where it sits in its channel's chain. Its
 * exact bytes are what the signatures cover; the digest of those bytes is the bundle's digest.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record BundleManifest(
        String format,
        String channel,
        long sequence,
        Parent parent,
        String created,
        String tool,
        Layout layout,
        List<Image> images,
        List<Blob> blobs,
        List<String> requires,
        @JsonInclude(JsonInclude.Include.NON_NULL) Report report,
        @JsonInclude(JsonInclude.Include.NON_NULL) String preset,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> signerCertificates) {

    /** Images alone: what every bundle was before attachments crossed, and what a bundle without any still is. */
    public static final String FORMAT = "airlock-bundle/v1";
    /**
     * v1 plus {@code attached} under images (signatures, attestations, SBOMs, referrers): written
     * only when some image carries an attachment, so that {@code --attached none} and images
     * without any still give bundles that older importers read.
     */
    public static final String FORMAT_ATTACHED = "airlock-bundle/v1.1";
    private static final Pattern LEGACY_TAG = Pattern.compile("sha256-[0-9a-f]{64}\\.(sig|att|sbom)");
    public static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** One component of a repository path (OCI distribution's name grammar). */
    private static final Pattern REPOSITORY_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    /** A registry host with an optional port. */
    private static final Pattern REGISTRY = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})(?::[0-9]{1,5})?");
    /** A media type (RFC 6838 names, no parameters). */
    private static final Pattern MEDIA_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * {@code signerCertificates}: each signer's public certificate, ASCII-armored and padded
     * ({@link dev.airlock.crypto.SignerCertificates}), only so that an importer that does not trust a
     * signer can name it by its primary fingerprint; never trusted for being carried. Optional
     * (absent before it existed), and ignored by older importers, which read unknown fields past.
     */
    public BundleManifest {
        signerCertificates = signerCertificates == null ? List.of() : List.copyOf(signerCertificates);
    }

    /** The same manifest carrying {@code certificates} for its signers. */
    public BundleManifest withSignerCertificates(List<String> certificates) {
        return new BundleManifest(format, channel, sequence, parent, created, tool, layout, images, blobs, requires, report, preset,
                certificates);
    }

    /** A manifest without a report (bundles written with --no-report, or before reports existed). */
    public BundleManifest(String format, String channel, long sequence, Parent parent, String created, String tool, Layout layout,
            List<Image> images, List<Blob> blobs, List<String> requires) {
        this(format, channel, sequence, parent, created, tool, layout, images, blobs, requires, null, null, List.of());
    }

    /** A manifest made without a preset and without carried certificates (both absent then, so bundles read as before). */
    public BundleManifest(String format, String channel, long sequence, Parent parent, String created, String tool, Layout layout,
            List<Image> images, List<Blob> blobs, List<String> requires, Report report) {
        this(format, channel, sequence, parent, created, tool, layout, images, blobs, requires, report, null, List.of());
    }

    /**
     * The same manifest naming the exporter's {@code --preset} that chose its images (null: none).
     * Only a hint for the importer, which says so when a bundle made with a preset is imported
     * without it; it never changes where an image lands. Older importers ignore the field.
     */
    public BundleManifest withPreset(String name) {
        return new BundleManifest(format, channel, sequence, parent, created, tool, layout, images, blobs, requires, report, name,
                signerCertificates);
    }

    /** A preset's name, as {@code --preset} takes it. */
    private static final Pattern PRESET = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    /** A report file name: a bare name, as the diode receiver takes it, ending in {@code .report.md}. */
    private static final Pattern REPORT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,189}\\.report\\.md");

    /**
     * The approver's report, {@code NAME.report.md}, lying next to the bundle (not inside it): its
     * file name and the sha256 of its bytes, so that the signature over bundle.json covers it.
     * Optional: absent in bundles written with {@code --no-report} and in older ones.
     */
    public record Report(String name, String sha256) {
    }

    /** The bundle this one follows: its sequence and the digest of its bundle.json. */
    public record Parent(long sequence, String digest) {
    }

    /** Digest and size of a non-blob file of the OCI layout. */
    public record FileRef(String digest, long size) {
    }

    public record Layout(@JsonProperty("oci-layout") FileRef ociLayout, @JsonProperty("index.json") FileRef indexJson) {
    }

    /**
     * One image: where it came from and its top-level manifest. {@code tag} is null for an image
     * named by digest only.
     */
    public record Image(String source, String registry, String repository, String tag, String digest, String mediaType,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Attachment> attached,
            @JsonInclude(JsonInclude.Include.NON_NULL) Platforms platforms,
            @JsonInclude(JsonInclude.Include.NON_NULL) Upstream upstream) {
        public Image(String source, String registry, String repository, String tag, String digest, String mediaType) {
            this(source, registry, repository, tag, digest, mediaType, List.of(), null, null);
        }

        public Image(String source, String registry, String repository, String tag, String digest, String mediaType,
                List<Attachment> attached) {
            this(source, registry, repository, tag, digest, mediaType, attached, null, null);
        }

        public Image(String source, String registry, String repository, String tag, String digest, String mediaType,
                List<Attachment> attached, Platforms platforms) {
            this(source, registry, repository, tag, digest, mediaType, attached, platforms, null);
        }

        /** The same image with what the upstream policy found recorded. */
        public Image withUpstream(Upstream checked) {
            return new Image(source, registry, repository, tag, digest, mediaType, attached, platforms, checked);
        }

        public Image {
            attached = attached == null ? List.of() : List.copyOf(attached);
            registry = dev.airlock.oci.SharedText.of(registry);
            mediaType = dev.airlock.oci.SharedText.of(mediaType);
            digest = digest == null ? null : digest.intern();
        }
    }

    /**
     * What the exporter's {@code --verify-policy} decided for an image (format v1.1): the rule that
     * matched it ({@code match} as written), what it required ({@code signed} or {@code none}) and
     * each signature that verified. Absent when no policy was given.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Upstream(String rule, String require, List<Verified> verified) {
        public Upstream {
            verified = verified == null ? List.of() : List.copyOf(verified);
        }
    }

    /**
     * One upstream signature that verified: on which manifest, with a key ({@code key}: the hex
     * SHA-256 of its DER SubjectPublicKeyInfo) or keyless ({@code identity}, {@code issuer}, the
     * Rekor log index and integrated time), and where it was found ({@code signature}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Verified(String manifest, String kind, String key, String identity, String issuer, Long rekorLogIndex,
            String integratedTime, String signature) {
    }

    /**
     * Something attached to a manifest of an image (format v1.1): its manifest (carried like any
     * blob), the manifest it attaches to, how it was found — the legacy tag it stands under at the
     * source (kept by name at the target), and/or as a referrer of {@code subject} — and what it is
     * ({@code kind}: signature, attestation, sbom, other; {@code detail}: the signer tool, predicate
     * type, SBOM format or artifact type).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Attachment(String subject, String digest, String mediaType, String artifactType, String tag, boolean referrer,
            String kind, String detail) {
    }

    /**
     * How an index was cut to the chosen platforms ({@code --platform}; format v1.1, optional: absent
     * when the image was carried whole). {@code index}: "rewrite" (a new index of the kept entries,
     * its digest the image's, naming {@code sourceIndex}) or "sparse" (the source index itself, its
     * digest the image's, with the children in {@code leftOut} not carried: the importer accepts
     * those missing and no others). {@code kept} and {@code available}: platforms as os/arch[/variant].
     */
    public record Platforms(String index, String sourceIndex, List<String> kept, List<String> available, List<String> leftOut) {
        public static final String REWRITE = "rewrite";
        public static final String SPARSE = "sparse";

        public Platforms {
            kept = kept == null ? List.of() : List.copyOf(kept);
            available = available == null ? List.of() : List.copyOf(available);
            leftOut = leftOut == null ? List.of() : List.copyOf(leftOut);
        }
    }

    private static void validate(Image i, Platforms p, String format) {
        String what = "airlock/bundle.json: image " + i.source() + ": platforms";
        if (!FORMAT_ATTACHED.equals(format)) {
            throw AirlockException.malformed(what + " in a " + format + " bundle");
        }
        if (p.sourceIndex() == null || !Digest.isValid(p.sourceIndex()) || p.leftOut().stream().anyMatch(d -> !Digest.isValid(d))) {
            throw AirlockException.malformed(what + " names an invalid digest");
        }
        boolean same = p.sourceIndex().equals(i.digest());
        if (!(Platforms.SPARSE.equals(p.index()) && same) && !(Platforms.REWRITE.equals(p.index()) && !same)) {
            throw AirlockException.malformed(what + ": index '" + p.index() + "' with source index " + p.sourceIndex()
                    + " does not fit image digest " + i.digest() + " (rewrite: a new digest; sparse: the source's)");
        }
    }

    /** One blob carried in the bundle, in tar order. Manifests are blobs too. */
    public record Blob(String digest, long size, String mediaType) {
        public Blob {
            mediaType = dev.airlock.oci.SharedText.of(mediaType);
            digest = digest == null ? null : digest.intern(); // one string with the Digest of each manifest's descriptor
        }
    }

    public boolean isFull() {
        return parent == null;
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses and checks verified bytes. Anything inconsistent is a verification error: a signed but
     * malformed manifest is still not something to act on.
     */
    public static BundleManifest parse(byte[] bytes) {
        BundleManifest m;
        try {
            m = JSON.readValue(bytes, BundleManifest.class);
        } catch (IOException e) {
            throw AirlockException.malformed("airlock/bundle.json is not a valid bundle manifest: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        m.validate();
        return m;
    }

    /**
     * An attachment's names go into registry URLs and tags: its legacy tag can only be the cosign
     * tag of its own subject, so a signed bundle still cannot move any other tag through one.
     */
    private static void validate(Image i, Attachment a, Set<String> carried) {
        String what = "airlock/bundle.json: image " + i.source() + ": attachment " + a.digest();
        if (a.digest() == null || !Digest.isValid(a.digest()) || !carried.contains(a.digest())) {
            throw AirlockException.malformed(what + " is not a manifest the bundle carries");
        }
        if (a.subject() == null || !Digest.isValid(a.subject())) {
            throw AirlockException.malformed(what + " has an invalid subject '" + a.subject() + "'");
        }
        if (a.mediaType() == null || !dev.airlock.oci.MediaTypes.isManifest(a.mediaType())) {
            throw AirlockException.malformed(what + " has media type '" + a.mediaType() + "', not a manifest or index type");
        }
        if (a.tag() == null && !a.referrer()) {
            throw AirlockException.malformed(what + " is neither a tag nor a referrer");
        }
        if (a.tag() != null && (!LEGACY_TAG.matcher(a.tag()).matches()
                || !a.tag().startsWith(a.subject().replace(':', '-') + "."))) {
            throw AirlockException.malformed(what + " has tag '" + a.tag() + "', not sha256-<hex of its subject>.sig, .att or .sbom");
        }
        if (a.kind() == null || !List.of("signature", "attestation", "sbom", "other").contains(a.kind())) {
            throw AirlockException.malformed(what + " has an unknown kind '" + a.kind() + "'");
        }
    }

    private void validate() {
        if (!FORMAT.equals(format) && !FORMAT_ATTACHED.equals(format)) {
            throw AirlockException.malformed("airlock/bundle.json has format '" + format + "'; this airlock reads " + FORMAT
                    + " and " + FORMAT_ATTACHED + ": the bundle was written by a newer airlock-export; upgrade this side's airlock");
        }
        if (channel == null || !CHANNEL.matcher(channel).matches()) {
            throw AirlockException.malformed("airlock/bundle.json has an invalid channel name '" + channel + "'");
        }
        if (sequence < 1) {
            throw AirlockException.malformed("airlock/bundle.json has sequence " + sequence + "; sequences start at 1");
        }
        if (parent != null && (parent.sequence() < 1 || parent.sequence() >= sequence || !Digest.isValid(parent.digest()))) {
            throw AirlockException.malformed("airlock/bundle.json has an invalid parent " + parent);
        }
        if (layout == null || layout.ociLayout() == null || layout.indexJson() == null) {
            throw AirlockException.malformed("airlock/bundle.json does not describe oci-layout and index.json");
        }
        Digest.parse(layout.ociLayout().digest());
        Digest.parse(layout.indexJson().digest());
        if (images == null || blobs == null || requires == null) {
            throw AirlockException.malformed("airlock/bundle.json lacks images, blobs or requires");
        }
        Set<String> carried = validateBlobs();
        for (String r : requires) {
            Digest.parse(r);
            if (carried.contains(r)) {
                throw AirlockException.malformed("airlock/bundle.json both carries and requires " + r);
            }
        }
        if (report != null && (report.name() == null || !REPORT_NAME.matcher(report.name()).matches()
                || report.sha256() == null || !report.sha256().matches("[0-9a-f]{64}"))) {
            throw AirlockException.malformed("airlock/bundle.json has an invalid report " + report
                    + ": a bare file name ending in .report.md and a sha256 of 64 lower-case hex digits");
        }
        if (preset != null && !PRESET.matcher(preset).matches()) {
            throw AirlockException.malformed("airlock/bundle.json has an invalid preset name '" + preset + "'");
        }
        for (Image i : images) {
            validate(i, carried);
        }
    }

    /** Each blob once, with a size and a media type; returns their digests. */
    private Set<String> validateBlobs() {
        Set<String> carried = new HashSet<>();
        for (Blob b : blobs) {
            Digest.parse(b.digest());
            if (b.size() < 0) {
                throw AirlockException.malformed("airlock/bundle.json: blob " + b.digest() + " has a negative size");
            }
            if (!carried.add(b.digest())) {
                throw AirlockException.malformed("airlock/bundle.json lists blob " + b.digest() + " twice");
            }
            if (b.mediaType() == null || !MEDIA_TYPE.matcher(b.mediaType()).matches()) {
                throw AirlockException.malformed("airlock/bundle.json: blob " + b.digest() + " has an invalid media type '"
                        + b.mediaType() + "'");
            }
        }
        return carried;
    }

    /** Names go into registry URLs: even a signed bundle gets no say beyond valid names. */
    private void validate(Image i, Set<String> carried) {
        if (i.repository() == null || i.digest() == null || !carried.contains(i.digest())) {
            throw AirlockException.malformed("airlock/bundle.json: image " + i.source() + " names a manifest the bundle does not carry");
        }
        if (i.registry() == null || !REGISTRY.matcher(i.registry()).matches()) {
            throw AirlockException.malformed("airlock/bundle.json: image " + i.source() + " has an invalid registry '" + i.registry() + "'");
        }
        for (String c : i.repository().split("/", -1)) {
            if (!REPOSITORY_COMPONENT.matcher(c).matches()) {
                throw AirlockException.malformed("airlock/bundle.json: image " + i.source() + " has an invalid repository path '"
                        + i.repository() + "'");
            }
        }
        if (i.mediaType() == null || !dev.airlock.oci.MediaTypes.isManifest(i.mediaType())) {
            throw AirlockException.malformed("airlock/bundle.json: image " + i.source() + " has media type '" + i.mediaType()
                    + "', not a manifest or index type");
        }
        if (i.tag() != null && !TAG.matcher(i.tag()).matches()) {
            throw AirlockException.malformed("airlock/bundle.json: image " + i.source() + " has an invalid tag '" + i.tag() + "'");
        }
        if (!i.attached().isEmpty() && !FORMAT_ATTACHED.equals(format)) {
            throw AirlockException.malformed("airlock/bundle.json: image " + i.source() + " lists attachments in a " + format + " bundle");
        }
        i.attached().forEach(a -> validate(i, a, carried));
        if (i.platforms() != null) {
            validate(i, i.platforms(), format);
        }
        if (i.upstream() != null) {
            validate(i, i.upstream());
        }
    }

    /** Shown to people and compared by the offline side: well-formed, never instructions. */
    private void validate(Image i, Upstream u) {
        String what = "airlock/bundle.json: image " + i.source() + ": upstream";
        if (!FORMAT_ATTACHED.equals(format)) {
            throw AirlockException.malformed(what + " in a " + format + " bundle");
        }
        if (u.rule() == null || u.rule().length() > 1024 || !List.of("signed", "none").contains(u.require())) {
            throw AirlockException.malformed(what + " names no rule, or requires '" + u.require() + "' (signed or none)");
        }
        for (Verified v : u.verified()) {
            if (v.manifest() == null || !Digest.isValid(v.manifest()) || !List.of("key", "keyless").contains(v.kind())) {
                throw AirlockException.malformed(what + " lists a signature on '" + v.manifest() + "' of kind '" + v.kind() + "'");
            }
        }
    }
}
