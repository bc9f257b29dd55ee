package dev.airlock.registry;

import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS trust: the system store, plus the CAs of a PEM file and of a {@code certs.d}-style directory
 * ({@code *.crt}) when given; or, for hosts named insecure, no check at all.
 */
final class Tls {
    private Tls() {
    }

    static SSLContext context(Path caFile) {
        return context(caFile, null);
    }

    /**
     * A context that accepts any server certificate for any name: {@code --tls-verify=false} and
     * {@code --insecure-skip-tls-verify}. The connection is encrypted, but whoever answers is
     * believed; the bytes are still checked against their digests.
     */
    static SSLContext unverified() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new AcceptAnyTrustManager()}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw AirlockException.usage("cannot set up TLS: " + e.getMessage());
        }
    }

    static SSLContext context(Path caFile, Path certDir) {
        try {
            // The system store is loaded on the first TLS handshake, not at start-up: a run that
            // only speaks plain HTTP to loopback registries never pays for it.
            Supplier<X509ExtendedTrustManager> system = lazily(() -> trustManager(null));
            List<Supplier<X509ExtendedTrustManager>> chain = new ArrayList<>();
            if (caFile != null) {
                X509ExtendedTrustManager given = trustManager(caKeyStore(List.of(caFile), "CA file " + caFile));
                chain.add(() -> given);
            }
            if (certDir != null) {
                X509ExtendedTrustManager given = trustManager(caKeyStore(crtFiles(certDir), "--cert-dir " + certDir));
                chain.add(() -> given);
            }
            chain.add(system);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new AnyOfTrustManager(chain)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw AirlockException.usage("cannot set up TLS" + (caFile != null ? " with CA file " + caFile : "") + ": " + e.getMessage());
        }
    }

    /** The {@code *.crt} files of a directory, as containers' {@code certs.d/HOST/} holds its CAs. */
    private static List<Path> crtFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw AirlockException.usage("--cert-dir " + dir + " is not a directory");
        }
        List<Path> files = new ArrayList<>();
        try (var list = Files.list(dir)) {
            list.filter(p -> p.getFileName().toString().endsWith(".crt")).sorted().forEach(files::add);
        } catch (IOException e) {
            throw AirlockException.usage("cannot read --cert-dir " + dir + ": " + e.getMessage());
        }
        if (files.isEmpty()) {
            throw AirlockException.usage("--cert-dir " + dir + " holds no *.crt file (CA certificates in PEM form, as in"
                    + " containers' certs.d; client certificates *.cert/*.key are not used)");
        }
        return files;
    }

    private static KeyStore caKeyStore(List<Path> files, String what) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        int i = 0;
        for (Path caFile : files) {
            try (InputStream in = new java.io.ByteArrayInputStream(BoundedFiles.read(caFile, BoundedFiles.CA_FILE))) {
                Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
                if (certs.isEmpty()) {
                    throw AirlockException.usage(caFile + " (" + what + ") holds no PEM certificate");
                }
                for (Certificate c : certs) {
                    store.setCertificateEntry("ca-" + i++, c);
                }
            } catch (java.nio.file.NoSuchFileException e) {
                throw AirlockException.usage(caFile + " (" + what + ") does not exist");
            } catch (IOException e) {
                throw AirlockException.usage("cannot read " + caFile + " (" + what + "): " + e.getMessage());
            } catch (CertificateException e) {
                throw AirlockException.usage(caFile + " (" + what + ") is not a PEM certificate: " + e.getMessage());
            }
        }
        return store;
    }

    private interface Loader {
        X509ExtendedTrustManager load() throws GeneralSecurityException;
    }

    private static Supplier<X509ExtendedTrustManager> lazily(Loader loader) {
        return new Supplier<>() {
            private volatile X509ExtendedTrustManager value;

            @Override
            public X509ExtendedTrustManager get() {
                X509ExtendedTrustManager v = value;
                if (v == null) {
                    try {
                        v = loader.load();
                    } catch (GeneralSecurityException e) {
                        throw new IllegalStateException("cannot load the system trust store: " + e.getMessage(), e);
                    }
                    value = v;
                }
                return v;
            }
        };
    }

    private static X509ExtendedTrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        for (TrustManager tm : f.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509 trust manager");
    }

    /** A client's trust manager: it checks servers only, and refuses to judge client certificates. */
    private abstract static class ServerOnlyTrustManager extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("client certificates are not checked here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("client certificates are not checked here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client certificates are not checked here");
        }
    }

    /** Trusts a server chain that any of the given trust managers accepts; hostname checks stay on. */
    private static final class AnyOfTrustManager extends ServerOnlyTrustManager {
        private final List<Supplier<X509ExtendedTrustManager>> managers;

        AnyOfTrustManager(List<Supplier<X509ExtendedTrustManager>> managers) {
            this.managers = List.copyOf(managers);
        }

        private interface Check {
            void run(X509ExtendedTrustManager tm) throws CertificateException;
        }

        private void anyOf(Check check) throws CertificateException {
            CertificateException last = null;
            for (Supplier<X509ExtendedTrustManager> m : managers) {
                try {
                    check.run(m.get());
                    return;
                } catch (CertificateException e) {
                    last = e;
                } catch (IllegalStateException e) {
                    last = new CertificateException(e.getMessage(), e);
                }
            }
            throw last != null ? last : new CertificateException("no trust manager");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            anyOf(tm -> tm.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            anyOf(tm -> tm.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            anyOf(tm -> tm.checkServerTrusted(chain, authType));
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            List<X509Certificate> all = new ArrayList<>();
            for (Supplier<X509ExtendedTrustManager> m : managers) {
                try {
                    all.addAll(List.of(m.get().getAcceptedIssuers()));
                } catch (IllegalStateException ignored) {
                    // an unloadable store accepts nothing
                }
            }
            return all.toArray(X509Certificate[]::new);
        }
    }

    /** Believes every server: see {@link #unverified()}. */
    private static final class AcceptAnyTrustManager extends ServerOnlyTrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
