package dev.airlock.imports.cli;

import dev.airlock.cli.Cli;
import dev.airlock.cli.KeygenCommand;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code airlock-import keygen}: the key that signs this side's receipts (not bundles). */
@Command(name = "keygen",
        description = "Make the OpenPGP key that signs this side's receipts (v4, EdDSA/Ed25519, SHA-512): the secret key (mode"
                + " 0600) and its public certificate, which the connected side trusts (airlock-export receipt --trust).",
        footerHeading = Cli.EXAMPLES, footer = {
            "  airlock-import keygen --uid \"Offline <offline@example.org>\" \\",
            "      --key offline.key.asc --cert offline.pub.asc"})
final class ImportKeygenCommand extends KeygenCommand {
    @Option(names = "--cert", required = true, paramLabel = "OUT.pub.asc",
            description = "Where to write the public certificate: carry it to the connected side, for airlock-export receipt --trust.")
    Path cert;

    @Override
    protected Path cert() {
        return cert;
    }
}
