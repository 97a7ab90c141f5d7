package dev.kiln.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's dependency sentences, checked by the build: "model ← everything; router and runtime
 * never depend on the controller; drivers never on each other; the CLI uses the server only over
 * HTTP (except {@code up} and {@code server}, which start one)". Only main classes are imported
 * (from the modules' jars or classes): tests may reach across modules to build fixtures.
 */
class DependencyRulesTest {
  private static JavaClasses kiln;

  @BeforeAll
  static void importMainClasses() {
    kiln =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.kiln");
    if (kiln.size() < 100) {
      // Guard against a rule passing vacuously because the classes were not found.
      throw new AssertionError("imported only " + kiln.size() + " Kiln classes");
    }
  }

  @Test
  void model_dependsOnNoOtherModule() {
    noClasses()
        .that()
        .resideInAPackage("dev.kiln.model..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages("dev.kiln.model..", "java..")
        .check(kiln);
  }

  @Test
  void routerAndRuntime_neverDependOnTheControllerOrServer() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.kiln.router..", "dev.kiln.runtime..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.kiln.controller..", "dev.kiln.server..", "dev.kiln.cli..")
        .check(kiln);
  }

  @Test
  void router_dependsOnlyOnTheModel() {
    noClasses()
        .that()
        .resideInAPackage("dev.kiln.router..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.kiln.blueprint..", "dev.kiln.image..", "dev.kiln.journal..", "dev.kiln.runtime..")
        .check(kiln);
  }

  @Test
  void controller_isPure_dependsOnNoExecutorModule() {
    noClasses()
        .that()
        .resideInAPackage("dev.kiln.controller..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.kiln.server..",
            "dev.kiln.router..",
            "dev.kiln.journal..",
            "dev.kiln.image..",
            "dev.kiln.runtime.process..",
            "dev.kiln.runtime.docker..",
            "dev.kiln.cli..")
        .check(kiln);
  }

  @Test
  void processDriver_neverDependsOnAnotherDriver() {
    noClasses()
        .that()
        .resideInAPackage("dev.kiln.runtime.process..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.kiln.runtime.docker..",
            "dev.kiln.runtime.swarm..",
            "dev.kiln.runtime.kubernetes..")
        .check(kiln);
  }

  @Test
  void dockerDriver_neverDependsOnAnotherDriver() {
    noClasses()
        .that()
        .resideInAPackage("dev.kiln.runtime.docker..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.kiln.runtime.process..",
            "dev.kiln.runtime.swarm..",
            "dev.kiln.runtime.kubernetes..")
        .check(kiln);
  }

  @Test
  void swarmDriver_neverDependsOnAnotherDriver() {
    noClasses()
        .that()
        .resideInAPackage("dev.kiln.runtime.swarm..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.kiln.runtime.process..",
            "dev.kiln.runtime.docker..",
            "dev.kiln.runtime.kubernetes..")
        .check(kiln);
  }

  @Test
  void kubernetesDriver_neverDependsOnAnotherDriver() {
    noClasses()
        .that()
        .resideInAPackage("dev.kiln.runtime.kubernetes..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.kiln.runtime.process..", "dev.kiln.runtime.docker..", "dev.kiln.runtime.swarm..")
        .check(kiln);
  }

  @Test
  void journal_dependsOnlyOnTheModel() {
    noClasses()
        .that()
        .resideInAPackage("dev.kiln.journal..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.kiln.controller..",
            "dev.kiln.server..",
            "dev.kiln.router..",
            "dev.kiln.runtime..",
            "dev.kiln.image..",
            "dev.kiln.cli..")
        .check(kiln);
  }

  @Test
  void gitops_knowsGitAndSignatures_notTheServerOrController() {
    noClasses()
        .that()
        .resideInAPackage("dev.kiln.gitops..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.kiln.controller..",
            "dev.kiln.server..",
            "dev.kiln.router..",
            "dev.kiln.runtime..",
            "dev.kiln.image..",
            "dev.kiln.cli..")
        .check(kiln);
  }

  @Test
  void cli_usesTheServerOnlyToStartOne() {
    noClasses()
        .that()
        .resideInAPackage("dev.kiln.cli..")
        .and()
        .doNotHaveSimpleName("UpCommand")
        .and()
        .doNotHaveSimpleName("ServerCommand")
        .and()
        .doNotHaveSimpleName("RestoreCommand")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.kiln.server..")
        .check(kiln);
  }

  @Test
  void nothingButTheCli_dependsOnTheCli() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.kiln.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.kiln.cli..")
        .check(kiln);
  }

  /** issue 8: the API contract is records and Jackson's annotations, shared by server and CLI. */
  @Test
  void api_dependsOnlyOnTheModelAndJacksonAnnotations() {
    noClasses()
        .that()
        .resideInAPackage("dev.kiln.api..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages(
            "dev.kiln.api..", "dev.kiln.model..", "com.fasterxml.jackson.annotation..", "java..")
        .check(kiln);
  }
}
