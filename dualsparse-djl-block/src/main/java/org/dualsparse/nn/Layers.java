package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/** Small helpers shared by the layer blocks. */
public final class Layers {

    private Layers() {}

    /** A parameter holding an already loaded array (no shape, no initializer: the array is the value). */
    public static Parameter parameter(String name, NDArray array) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
        p.setArray(array);
        return p;
    }

    /** Like {@link #parameter} but returns null for an absent optional array (a bias, a norm). */
    public static Parameter optionalParameter(String name, NDArray array) {
        return array == null ? null : parameter(name, array);
    }
}
