package org.dualsparse.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure of every module, checked on the compiled classes: no package cycle, the
 * neural-network primitives below the model and the MoE slot, and the model families independent
 * of the method that rewrites them.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.dualsparse");
        for (String module : new String[] {"org.dualsparse.nn", "org.dualsparse.onnxruntime", "org.dualsparse.zoo", "org.dualsparse.spark",
            "org.dualsparse.cli"}) {
            assertTrue(classes.containPackage(module), module + " was not imported");
        }
    }

    @Test
    void noPackageCycles() {
        slices().matching("org.dualsparse.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void primitivesDependOnNothingOfTheModel() {
        noClasses().that().resideInAPackage("org.dualsparse.nn..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.dualsparse.decoder..", "org.dualsparse.moe..", "org.dualsparse.model..", "org.dualsparse.dualsparse..")
                .check(classes);
    }

    @Test
    void modelIndependentOfTheMethod() {
        noClasses().that().resideInAnyPackage(
                        "org.dualsparse.nn..", "org.dualsparse.decoder..", "org.dualsparse.moe..", "org.dualsparse.model..")
                .should().dependOnClassesThat().resideInAPackage("org.dualsparse.dualsparse..")
                .check(classes);
    }

    /** A backend implements the matrix seam and nothing else: the blocks never name it, and it names no block. */
    @Test
    void backendsBehindTheMatrixSeam() {
        noClasses().that().resideInAPackage("org.dualsparse.onnxruntime..")
                .should().dependOnClassesThat().resideInAnyPackage("org.dualsparse.decoder..", "org.dualsparse.moe..",
                        "org.dualsparse.model..", "org.dualsparse.dualsparse..", "org.dualsparse.checkpoint..")
                .check(classes);
        noClasses().that().resideInAnyPackage("org.dualsparse.nn..", "org.dualsparse.decoder..", "org.dualsparse.moe..",
                        "org.dualsparse.dualsparse..")
                .should().dependOnClassesThat().resideInAPackage("org.dualsparse.onnxruntime..")
                .check(classes);
    }

    /** Spark sits at the edge: only the command line uses it, and the model, the method and the translators never see it. */
    @Test
    void sparkAtTheEdge() {
        noClasses().that().resideOutsideOfPackages("org.dualsparse.spark..", "org.dualsparse.cli..")
                .should().dependOnClassesThat().resideInAPackage("org.dualsparse.spark..")
                .check(classes);
        noClasses().that().resideOutsideOfPackages("org.dualsparse.spark..", "org.dualsparse.cli..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.spark..")
                .check(classes);
    }

    @Test
    void decoderIndependentOfTheMoeSlot() {
        noClasses().that().resideInAPackage("org.dualsparse.decoder..")
                .should().dependOnClassesThat().resideInAnyPackage("org.dualsparse.moe..", "org.dualsparse.model..")
                .check(classes);
    }
}
