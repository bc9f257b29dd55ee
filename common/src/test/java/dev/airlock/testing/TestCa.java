package dev.airlock.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throwaway CA and a server certificate for 127.0.0.1 and localhost, written as PEM files. */
public final class TestCa {
    public final Path caPem;
    public final Path serverCertPem;
    public final Path serverKeyPem;

    private TestCa(Path caPem, Path serverCertPem, Path serverKeyPem) {
        this.caPem = caPem;
        this.serverCertPem = serverCertPem;
        this.serverKeyPem = serverKeyPem;
    }

    public static TestCa create(Path dir) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair caKeys = g.generateKeyPair();
        KeyPair serverKeys = g.generateKeyPair();
        Instant now = Instant.now();
        X500Name caName = new X500Name("CN=airlock test CA");
        X509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(2))), caName, caKeys.getPublic());
        ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        X509Certificate caCert = new JcaX509CertificateConverter().getCertificate(
                ca.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
        X509v3CertificateBuilder server = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO, Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(2))), new X500Name("CN=localhost"), serverKeys.getPublic());
        server.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        server.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        X509Certificate serverCert = new JcaX509CertificateConverter().getCertificate(
                server.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
        // The CA alone in its own directory: skopeo's --cert-dir reads every file there.
        Files.createDirectories(dir.resolve("ca"));
        Path caPem = dir.resolve("ca").resolve("ca.crt");
        Path certPem = dir.resolve("server.pem");
        Path keyPem = dir.resolve("server.key");
        Files.writeString(caPem, pem(caCert));
        Files.writeString(certPem, pem(serverCert));
        Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(serverKeys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return new TestCa(caPem, certPem, keyPem);
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }
}
