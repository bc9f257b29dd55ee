import java.security.MessageDigest;

/** Prints SHA-256 throughput of this JVM in MiB/s over N MiB (default 1024): the hash floor. */
public class Sha256Speed {
    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        byte[] buf = new byte[1 << 20];
        new java.util.Random(1).nextBytes(buf);
        MessageDigest warm = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < 64; i++) {
            warm.update(buf);
        }
        warm.digest();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long t0 = System.nanoTime();
        for (long i = 0; i < mib; i++) {
            md.update(buf);
        }
        md.digest();
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%.1f%n", mib / s);
    }
}
