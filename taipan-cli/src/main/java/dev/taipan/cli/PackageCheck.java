package dev.taipan.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * One package of an interpreter against this Taipan's pin of it ({@link TestedVersions}):
 * the verdict {@code taipan env} shows and {@code taipan doctor} warns about.
 */
record PackageCheck(String name, String installed, TestedVersions.Requirement tested, Verdict verdict) {
    enum Verdict {
        /** Installed, and the version is one this Taipan was tested with. */
        OK("ok"),
        /** Installed, a version this Taipan accepts, but not the one its tests ran with. */
        ACCEPTED("accepted, not the tested version"),
        /** Installed, but not a version this Taipan accepts. */
        DIFFERS("differs"),
        /** Wanted here (its marker holds) but not installed. */
        MISSING("missing"),
        /** Not installed, and not wanted on this interpreter (its marker does not hold). */
        NOT_NEEDED("not needed here");

        final String word;

        Verdict(String word) {
            this.word = word;
        }
    }

    static List<PackageCheck> all(PythonPackages python, TestedVersions pins) {
        List<PackageCheck> out = new ArrayList<>();
        for (String name : PythonPackages.NAMES) {
            out.add(of(name, python.installed().get(name), pins.of(name), python));
        }
        return out;
    }

    static PackageCheck of(String name, String installed, TestedVersions.Requirement tested, PythonPackages python) {
        Verdict v;
        if (installed == null) {
            v = tested != null && !tested.appliesTo(python.markerValues()) ? Verdict.NOT_NEEDED : Verdict.MISSING;
        } else {
            v = tested == null || tested.isTested(installed) ? Verdict.OK
                    : tested.matches(installed) ? Verdict.ACCEPTED : Verdict.DIFFERS;
        }
        return new PackageCheck(name, installed, tested, v);
    }

    /** The import name, which {@code taipan env} shows (the distribution name differs for the worker). */
    String module() {
        return name.replace('-', '_');
    }
}
