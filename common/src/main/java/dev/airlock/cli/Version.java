package dev.airlock.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;

/**
 * airlock's one version string: the root pom's {@code project.version}, filtered into
 * {@code dev/airlock/cli/version.properties} at build time. {@code --version} of both programs
 * (and of each subcommand), the {@code tool} that bundle.json records and the man pages' header
 * read it here; the release tarball's name comes from the same pom property. Nothing else writes a
 * version number, so they cannot drift apart.
 */
public final class Version implements IVersionProvider {
    private static final String NUMBER = load();

    private final String program;

    private Version(String program) {
        this.program = program;
    }

    /** The version, e.g. {@code 0.1.0}. */
    public static String number() {
        return NUMBER;
    }

    /** Makes {@code --version} of {@code cl} and every subcommand print "PROGRAM VERSION" (the root command's name). */
    public static void apply(CommandLine cl) {
        Version provider = new Version(cl.getCommandSpec().root().name());
        cl.getCommandSpec().versionProvider(provider);
        cl.getSubcommands().values().forEach(sub -> sub.getCommandSpec().versionProvider(provider));
    }

    @Override
    public String[] getVersion() {
        return new String[] {program + " " + NUMBER};
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("dev/airlock/cli/version.properties is missing from the class path (a broken build)");
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "");
            if (v.isEmpty() || v.contains("${")) {
                throw new IllegalStateException("dev/airlock/cli/version.properties was not filtered by Maven: '" + v + "'");
            }
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
