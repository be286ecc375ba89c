package org.dualsparse.dualsparse.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.SparseMoeBlock;

/**
 * What a calibration profile was measured on: the HF {@code model_type} and a SHA-256 over the
 * parsed family config (exactly the config values the graph uses, which fix every weight's name
 * and shape) and the router weights. It is the checkpoint's identity, not the backend's: every
 * backend and weight format keeps the routers in float32 as the checkpoint has them, while the
 * weights a packing backend (ONNX Runtime) packs are no parameters at all, so a profile measured
 * with libtorch fits the same checkpoint at int4 on ONNX Runtime, and the reverse. Another
 * architecture or shape changes the config; another checkpoint of the same architecture (a
 * fine-tune) changes its routers. Partitioning a model with {@link DualSparseRuntime#apply} keeps
 * the routers, so it keeps the identity.
 */
public record ModelIdentity(String modelType, String fingerprint) implements Serializable {

    public static ModelIdentity of(MoeLanguageModel lm) {
        MessageDigest digest = sha256();
        update(digest, lm.config().toString());
        for (SparseMoeBlock block : MoeBlocks.of(lm.block())) {
            for (Pair<String, Parameter> p : block.router().getParameters()) {
                NDArray router = p.getValue().getArray();
                digest.update(router.toByteBuffer());
            }
        }
        return new ModelIdentity(lm.modelType(), HexFormat.of().formatHex(digest.digest()));
    }

    @Override
    public String toString() {
        return modelType + " " + fingerprint.substring(0, Math.min(16, fingerprint.length()));
    }

    private static void update(MessageDigest digest, String text) {
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
