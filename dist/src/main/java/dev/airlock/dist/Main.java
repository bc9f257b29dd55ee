package dev.airlock.dist;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code airlock}: the entrypoint of airlock's OCI image, which has no shell to run the launchers.
 * {@code airlock export ARGS} runs airlock-export, {@code airlock import ARGS} airlock-import, each
 * from its own jar beside this one, in a class loader of its own (both jars carry the common code).
 */
public final class Main {
    private static final String USAGE = """
            Usage: airlock export COMMAND [OPTIONS]   (airlock-export: keygen, bundle, plan, receipt, push, sign)
                   airlock import COMMAND [OPTIONS]   (airlock-import: verify, inspect, import, receipt, keygen)
            'airlock export --help' and 'airlock import --help' list the commands.""";

    private Main() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            (args.length == 0 ? System.err : System.out).println(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        String side = switch (args[0]) {
            case "export", "airlock-export" -> "export";
            case "import", "airlock-import" -> "import";
            default -> null;
        };
        if (side == null) {
            System.err.println("airlock: unknown program '" + args[0] + "': export or import");
            System.err.println(USAGE);
            System.exit(2);
        }
        Path lib = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
        Path jar = lib.resolve("airlock-" + side + ".jar");
        if (!Files.isRegularFile(jar)) {
            System.err.println("airlock: " + jar + " is missing");
            System.exit(1);
        }
        String mainClass = side.equals("export") ? "dev.airlock.export.cli.ExportMain" : "dev.airlock.imports.cli.ImportMain";
        URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        Thread.currentThread().setContextClassLoader(loader);
        Method main = loader.loadClass(mainClass).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
