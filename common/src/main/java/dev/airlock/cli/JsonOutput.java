package dev.airlock.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleManifest;

/**
 * The one JSON vocabulary of {@code --json} output (docs/json-output.md): every object names its
 * {@code schema}; a bundle is always {@code bundle.path}, {@code bundle.digest}, ...; an image is
 * {@code images[].source} (and {@code images[].target} where it landed); {@code blobs} holds counts
 * and byte sums, never digests; a plural name is always an array.
 */
public final class JsonOutput {
    public static final String PLAN = "airlock-plan/v1";
    public static final String BUNDLE = "airlock-bundle/v1";
    public static final String PUSH = "airlock-push/v1";
    public static final String IMPORT = "airlock-import/v1";
    public static final String VERIFY = "airlock-verify/v1";
    public static final String LIST = "airlock-list/v1";
    public static final String DIFF = "airlock-diff/v1";
    public static final String LOAD = "airlock-load/v1";
    public static final String RECEIPT = "airlock-receipt/v1";
    public static final String ERROR = "airlock-error/v1";

    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonOutput() {
    }

    /** A new top-level object, its {@code schema} first. */
    public static ObjectNode object(String schema) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("schema", schema);
        return o;
    }

    public static String write(ObjectNode o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code bundle}: path, digest (of the file, as signed), channel, sequence, full, parent. */
    public static ObjectNode bundle(ObjectNode into, String path, String digest, BundleManifest m) {
        ObjectNode b = into.putObject("bundle");
        b.put("path", path);
        b.put("digest", digest);
        b.put("channel", m.channel());
        b.put("sequence", m.sequence());
        b.put("full", m.isFull());
        b.set("parent", MAPPER.valueToTree(m.parent()));
        return b;
    }

    /**
     * {@code blobs} with what the bundle carries, counted as {@link dev.airlock.bundle.BlobCount}
     * counts it (config and layer blobs; manifests apart): {@code carried}, {@code carriedBytes},
     * {@code required}. Returns the object, for a command's own counts beside them.
     */
    public static ObjectNode blobs(ObjectNode into, BundleManifest m, boolean withBytes) {
        dev.airlock.bundle.BlobCount count = dev.airlock.bundle.BlobCount.of(m);
        ObjectNode blobs = into.putObject("blobs");
        blobs.put("carried", count.blobs());
        if (withBytes) {
            blobs.put("carriedBytes", count.blobBytes());
        }
        blobs.put("required", m.requires().size());
        return blobs;
    }

    /**
     * {@code report}: the approver's report that bundle.json names, {@code {name, sha256, status}}
     * (status "matches", "missing", or "written" by bundle), or null when it names none.
     */
    public static com.fasterxml.jackson.databind.JsonNode report(BundleManifest m, String status) {
        if (m.report() == null) {
            return com.fasterxml.jackson.databind.node.NullNode.getInstance();
        }
        return MAPPER.createObjectNode().put("name", m.report().name()).put("sha256", m.report().sha256()).put("status", status);
    }

    /** The failure object printed on stdout when a command given {@code --json} fails. */
    public static String error(String code, int exitCode, String message) {
        ObjectNode o = object(ERROR);
        ObjectNode e = o.putObject("error");
        e.put("code", code);
        e.put("exitCode", exitCode);
        e.put("message", message);
        return write(o);
    }
}
