package dev.airlock.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Human-readable sizes for messages, and durations as users write them. */
public final class Units {
    private Units() {
    }

    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, units[i]);
    }

    /** A time for progress lines: {@code 0.4 s}, {@code 12 s}, {@code 3 min 05 s}, {@code 2 h 07 min}. */
    public static String seconds(double s) {
        if (s < 10) {
            return String.format("%.1f s", s);
        }
        long n = Math.round(s);
        if (n < 60) {
            return n + " s";
        }
        if (n < 3600) {
            return String.format("%d min %02d s", n / 60, n % 60);
        }
        return String.format("%d h %02d min", n / 3600, n / 60 % 60);
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

    /** {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, or plain seconds; more than zero. */
    public static Duration duration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException("'" + text + "' is not a duration such as 500ms, 30s, 2m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})(?:\\.(\\d{1,9}))?\\s*([KMGT]i?B?|B)?", Pattern.CASE_INSENSITIVE);

    /**
     * A size as users write it: plain bytes, or a number with a suffix. {@code K M G T} and
     * {@code KB MB GB TB} are decimal (powers of 1000, as disk and DVD makers count):
     * {@code 4G} = 4,000,000,000 bytes fits a FAT32 file (at most 4 GiB − 1) and {@code 4700M} a
     * DVD (4,707,319,808 bytes). {@code Ki Mi Gi Ti} and {@code KiB MiB GiB TiB} are binary (powers
     * of 1024): {@code 64MiB} = 67,108,864 bytes. Letters in either case; a decimal fraction such
     * as {@code 4.7G} is allowed with a suffix. More than zero.
     */
    public static long size(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size such as 4G, 4700M, 64MiB or 1048576"
                    + " (K/M/G/T = 1000-based, Ki/Mi/Gi/Ti = 1024-based)");
        }
        String unit = m.group(3) == null ? "" : m.group(3).toUpperCase(java.util.Locale.ROOT);
        if (m.group(2) != null && (unit.isEmpty() || unit.equals("B"))) {
            throw new IllegalArgumentException("'" + text + "': a number of bytes has no fraction");
        }
        java.math.BigDecimal factor = switch (unit.isEmpty() ? ' ' : unit.charAt(0)) {
            case 'K' -> java.math.BigDecimal.valueOf(unit.contains("I") ? 1L << 10 : 1_000L);
            case 'M' -> java.math.BigDecimal.valueOf(unit.contains("I") ? 1L << 20 : 1_000_000L);
            case 'G' -> java.math.BigDecimal.valueOf(unit.contains("I") ? 1L << 30 : 1_000_000_000L);
            case 'T' -> java.math.BigDecimal.valueOf(unit.contains("I") ? 1L << 40 : 1_000_000_000_000L);
            default -> java.math.BigDecimal.ONE;
        };
        java.math.BigDecimal n = new java.math.BigDecimal(m.group(1) + (m.group(2) == null ? "" : "." + m.group(2)));
        java.math.BigDecimal bytes = n.multiply(factor).setScale(0, java.math.RoundingMode.FLOOR);
        if (bytes.signum() <= 0 || bytes.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + text + "' is not a size between 1 byte and 8 EiB");
        }
        return bytes.longValueExact();
    }

    /** picocli converter for {@link #size}. */
    public static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return size(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** picocli converter for {@link #duration}. */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return duration(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
