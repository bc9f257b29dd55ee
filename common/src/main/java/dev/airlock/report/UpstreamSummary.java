package dev.airlock.report;

import dev.airlock.bundle.BundleManifest;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One line on what the exporter's {@code --verify-policy} found for an image, the same in
 * {@code list}, {@code verify}, {@code import} and the approver's report: "cosign key 3f2a9c…e1
 * (rule registry.example/app/**)", "cosign keyless https://gitlab.com https://gitlab.com/… (Rekor
 * 123456789, 2026-12-01T10:00:00Z) (rule …)", or "not required (rule **)". Text from bundle.json
 * is shown without control characters and cut, as {@link AttachedSummary} does.
 */
public final class UpstreamSummary {
    private static final int MAX = 200;

    private UpstreamSummary() {
    }

    /** The line, or null when no policy was applied to the image. */
    public static String of(BundleManifest.Upstream u) {
        if (u == null) {
            return null;
        }
        String rule = " (rule " + clean(u.rule()) + ")";
        if ("none".equals(u.require())) {
            return "not required" + rule;
        }
        Set<String> parts = new LinkedHashSet<>();
        for (BundleManifest.Verified v : u.verified()) {
            parts.add(one(v));
        }
        return String.join("; ", List.copyOf(parts)) + rule;
    }

    private static String one(BundleManifest.Verified v) {
        if ("key".equals(v.kind())) {
            String k = v.key() == null ? "?" : clean(v.key());
            return "cosign key " + (k.length() > 16 ? k.substring(0, 8) + "…" + k.substring(k.length() - 6) : k);
        }
        return "cosign keyless " + clean(v.issuer()) + " " + clean(v.identity())
                + (v.rekorLogIndex() == null ? "" : " (Rekor " + v.rekorLogIndex() + (v.integratedTime() == null ? "" : ", "
                        + clean(v.integratedTime())) + ")");
    }

    private static String clean(String s) {
        if (s == null) {
            return "?";
        }
        StringBuilder sb = new StringBuilder();
        s.codePoints().filter(c -> !Character.isISOControl(c) && Character.getType(c) != Character.FORMAT).forEach(sb::appendCodePoint);
        return sb.length() > MAX ? sb.substring(0, MAX) + "…" : sb.toString();
    }
}
