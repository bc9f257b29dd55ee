package dev.airlock.oci;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One instance of each value of a field with few values (media types, registry hosts), so that a
 * catalog's tens of thousands of descriptors and images do not each hold a copy of the same
 * text (issue 21). Bounded: past {@value #MAX} values, text is returned as it came.
 */
public final class SharedText {
    static final int MAX = 1024;
    private static final ConcurrentHashMap<String, String> VALUES = new ConcurrentHashMap<>();

    private SharedText() {
    }

    /** The shared instance equal to {@code text} (null for null). */
    public static String of(String text) {
        if (text == null || text.length() > 256) {
            return text;
        }
        String known = VALUES.get(text);
        if (known != null) {
            return known;
        }
        if (VALUES.size() >= MAX) {
            return text;
        }
        known = VALUES.putIfAbsent(text, text);
        return known == null ? text : known;
    }
}
