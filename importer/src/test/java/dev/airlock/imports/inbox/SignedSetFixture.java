package dev.airlock.imports.inbox;

import dev.airlock.bundle.VolumeList;
import dev.airlock.crypto.BundleSigner;
import dev.airlock.crypto.OpenPgpKeys;
import dev.airlock.crypto.TrustPolicy;
import dev.airlock.digest.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.openpgp.PGPSecretKeyRing;

/** What the inbox tests of a volume set's signed pair share: the set's names, its list, its signer and a stranger's key. */
final class SignedSetFixture {
    static final String BUNDLE = "daily-000001.airlock.tar";
    static final String LIST = VolumeList.listName(BUNDLE);

    private SignedSetFixture() {
    }

    /** The exporter's signer, the watcher's trust in it, and a stranger's own key (which no one trusts). */
    record Keys(BundleSigner signer, TrustPolicy trust, PGPSecretKeyRing stranger) {
    }

    static Keys keys(Path root) {
        OpenPgpKeys.Generated g = OpenPgpKeys.generate("Exporter <e@airlock.test>", null);
        try {
            BundleSigner signer = new BundleSigner(OpenPgpKeys.readSecretKey(Files.write(root.resolve("key.asc"), g.secretArmored())), null);
            TrustPolicy trust = new TrustPolicy(OpenPgpKeys.readCertificates(Files.write(root.resolve("cert.asc"), g.certArmored())), 1);
            PGPSecretKeyRing stranger = OpenPgpKeys.readSecretKey(Files.write(root.resolve("stranger.asc"),
                    OpenPgpKeys.generate("Stranger <s@airlock.test>", null).secretArmored()));
            return new Keys(signer, trust, stranger);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The list of this set with a volume of each of {@code volumes}' bytes ({@code .000}, {@code .001}, …; the first's size the volume size). */
    static byte[] list(byte[]... volumes) {
        List<VolumeList.Volume> vs = new java.util.ArrayList<>();
        long total = 0;
        for (int i = 0; i < volumes.length; i++) {
            vs.add(new VolumeList.Volume(BUNDLE + String.format(".%03d", i), volumes[i].length, Digest.sha256Of(volumes[i]).toString()));
            total += volumes[i].length;
        }
        return new VolumeList(VolumeList.FORMAT, "daily", 1, BUNDLE, "sha256:" + "0".repeat(64), total, volumes[0].length, vs).toJson();
    }

    /** Writes {@code bytes} under {@code name} in {@code inbox}, settled (modified a minute ago). */
    static void put(Path inbox, String name, byte[] bytes) throws java.io.IOException {
        Path p = Files.write(inbox.resolve(name), bytes);
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(60)));
    }

    /**
     * A signed set of three volumes in {@code inbox}: two of 256 MiB (hashed first, time for a
     * stranger to act) and a small last one, under whose name a stranger's file of the listed size
     * stands; that file.
     */
    static Path setWithStrangersLastVolume(Path inbox, Keys k) throws java.io.IOException {
        byte[] big = new byte[256 << 20];
        byte[] small = "the real volume 2".getBytes();
        byte[] list = list(big, big, small);
        Files.write(inbox.resolve(LIST), list);
        Files.write(inbox.resolve(LIST + ".asc"), k.signer().sign(list));
        Files.write(inbox.resolve(BUNDLE + ".000"), big);
        Files.write(inbox.resolve(BUNDLE + ".001"), big);
        return Files.write(inbox.resolve(BUNDLE + ".002"), "a strangers vol 2".getBytes()); // of the listed size
    }
}
