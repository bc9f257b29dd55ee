package dev.airlock.registry;

import dev.airlock.error.AirlockException;
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

/** TLS trust: the system store, plus the CAs of a PEM file when one is given. */
final class Tls {
    private Tls() {
    }

    static SSLContext context(Path caFile) {
        try {
            // The system store is loaded on the first TLS handshake, not at start-up: a run that
            // only speaks plain HTTP to loopback registries never pays for it.
            Supplier<X509ExtendedTrustManager> system = lazily(() -> trustManager(null));
            List<Supplier<X509ExtendedTrustManager>> chain = new ArrayList<>();
            if (caFile != null) {
                X509ExtendedTrustManager given = trustManager(caKeyStore(caFile));
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

    private static KeyStore caKeyStore(Path caFile) throws GeneralSecurityException {
        try (InputStream in = Files.newInputStream(caFile)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw AirlockException.usage("CA file " + caFile + " holds no PEM certificate");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            return store;
        } catch (IOException e) {
            throw AirlockException.usage("cannot read CA file " + caFile + ": " + e.getMessage());
        }
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

    /** Trusts a server chain that any of the given trust managers accepts; hostname checks stay on. */
    private static final class AnyOfTrustManager extends X509ExtendedTrustManager {
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
}
