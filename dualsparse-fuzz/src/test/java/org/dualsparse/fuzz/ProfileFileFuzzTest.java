package org.dualsparse.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32;
import org.dualsparse.dualsparse.calibration.ProfileException;
import org.dualsparse.dualsparse.calibration.ProfileFile;

/**
 * A calibration profile of any bytes. Half the inputs get a true length field and checksum, so the
 * fuzzer reaches the header and the counts behind the frame checks rather than stopping at them.
 */
class ProfileFileFuzzTest {

    private static final int LENGTH_AT = 12;
    private static final int FRAME = 24;

    @FuzzTest(maxDuration = "5s")
    void readsOrRefusesTheProfile(FuzzedDataProvider data) {
        boolean framed = data.consumeBoolean();
        byte[] bytes = data.consumeRemainingAsBytes();
        if (framed && bytes.length >= FRAME + Integer.BYTES) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(LENGTH_AT, bytes.length);
            CRC32 crc = new CRC32();
            crc.update(bytes, 0, bytes.length - Integer.BYTES);
            buffer.putInt(bytes.length - Integer.BYTES, (int) crc.getValue());
        }
        Path file = Scratch.write(Scratch.folder("profile"), "profile.dsprofile", bytes);
        Refusals.onlyTyped(file, () -> ProfileFile.read(file), ProfileException.class);
    }
}
