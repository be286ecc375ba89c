package org.dualsparse.dualsparse.calibration;

import java.nio.file.Path;

/** A calibration profile measured on another model than the one it is applied to. */
public final class ProfileMismatchException extends ProfileException {

    private static final long serialVersionUID = 1L;

    private final ModelIdentity profileModel;
    private final ModelIdentity model;

    public ProfileMismatchException(Path file, ModelIdentity profileModel, ModelIdentity model) {
        super(file, "calibrated on model " + profileModel + ", not on this model " + model
                + "; calibrate this model to get its profile");
        this.profileModel = profileModel;
        this.model = model;
    }

    public ModelIdentity profileModel() {
        return profileModel;
    }

    public ModelIdentity model() {
        return model;
    }
}
