package dev.airlock.export.cli;

import dev.airlock.cli.Cli;
import dev.airlock.cli.KeygenCommand;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code airlock-export keygen}: the key that signs bundles. */
@Command(name = "keygen",
        description = "Make the OpenPGP key that signs bundles (v4, EdDSA/Ed25519, SHA-512): the secret key (mode 0600) and its"
                + " public certificate, which the offline side trusts (airlock-import --trust).",
        footerHeading = Cli.EXAMPLES, footer = {
            "  airlock-export keygen --uid \"Mirror <mirror@example.org>\" \\",
            "      --key mirror.key.asc --cert mirror.pub.asc",
            "  # protected by a passphrase (asked for on a terminal when signing)",
            "  airlock-export keygen --uid \"Mirror <mirror@example.org>\" \\",
            "      --key mirror.key.asc --cert mirror.pub.asc --passphrase-file pass.txt"})
final class ExportKeygenCommand extends KeygenCommand {
    @Option(names = "--cert", required = true, paramLabel = "OUT.pub.asc",
            description = "Where to write the public certificate: carry it to the offline side, for airlock-import --trust.")
    Path cert;

    @Override
    protected Path cert() {
        return cert;
    }
}
