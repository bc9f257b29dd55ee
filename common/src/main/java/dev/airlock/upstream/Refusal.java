package dev.airlock.upstream;

/** Why one candidate does not verify; its message is the reason people read. Internal to the verifier. */
final class Refusal extends Exception {
    Refusal(String reason) {
        super(reason, null, false, false);
    }
}
