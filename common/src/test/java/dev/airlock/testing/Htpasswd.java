package dev.airlock.testing;

import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** An htpasswd line with a bcrypt hash (the only kind the registry accepts). */
final class Htpasswd {
    private Htpasswd() {
    }

    static String line(String user, String password) throws Exception {
        if (Tools.has("htpasswd")) {
            Tools.Result r = Tools.run("htpasswd", "-Bbn", user, password).ok();
            return r.stdout().trim() + "\n";
        }
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return user + ":" + OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 10) + "\n";
    }
}
