#!/usr/bin/env python3
"""CMakePresets.json names the release, debug, asan, tsan and fuzz builds, each in its own
directory, and the Makefile's targets configure, build and test through them, with BUILD=,
BUILD_TYPE=, ASAN=, TSAN= and SECONDS= still doing what the README says.

Usage: presets_test.py SOURCE_DIR. Reads `cmake --list-presets=all` and `make -n` (which
prints the commands without running them)."""

import json
import os
import re
import subprocess
import sys
import unittest

SOURCE = sys.argv.pop(1) if len(sys.argv) > 1 else os.getcwd()
PRESETS = ["release", "debug", "asan", "tsan", "fuzz"]


def makefile_defaults():
    with open(os.path.join(SOURCE, "Makefile"), encoding="utf-8") as f:
        return set(re.findall(r"^([A-Z_]+)\s*\?=", f.read(), re.M))


# The make this test runs is not a sub-make of a `make ASAN=1 test` that runs the test: that
# make hands its command-line variables down in MAKEFLAGS and in the environment (ASAN=1,
# BUILD_TYPE=Debug), where they would override the Makefile's defaults.
CLEAN_ENV = {k: v for k, v in os.environ.items()
             if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"} | makefile_defaults()}


def make_n(*args):
    out = subprocess.run(["make", "--no-print-directory", "-n", "-C", SOURCE, *args], env=CLEAN_ENV,
                         check=True, capture_output=True, text=True, timeout=120).stdout
    return " ".join(out.split())


class Presets(unittest.TestCase):
    def test_every_kind_has_configure_build_and_test_presets(self):
        listed = subprocess.run(["cmake", "--list-presets=all"], cwd=SOURCE, check=True,
                                capture_output=True, text=True, timeout=60).stdout
        sections = listed.split("Available ")[1:]
        self.assertEqual([s.split()[0] for s in sections], ["configure", "build", "test"])
        for section in sections:
            names = [line.split()[0].strip('"') for line in section.splitlines()[1:] if line.strip()]
            self.assertEqual(names, PRESETS, section)

    def test_each_preset_builds_in_its_own_directory(self):
        with open(os.path.join(SOURCE, "CMakePresets.json"), encoding="utf-8") as f:
            configure = {p["name"]: p for p in json.load(f)["configurePresets"]}
        dirs = {name: configure[name]["binaryDir"] for name in PRESETS}
        self.assertEqual(dirs["release"], "${sourceDir}/build")  # make test's tree
        self.assertEqual(len(set(dirs.values())), len(PRESETS), dirs)
        self.assertEqual(configure["fuzz"]["cacheVariables"]["TERN_FUZZ"], "ON")


class MakefileUsesPresets(unittest.TestCase):
    def test_make_test_is_the_release_preset(self):
        printed = make_n("test")
        self.assertIn("cmake --preset release -DTERN_TESTS=ON", printed)
        self.assertIn("cmake --build --preset release", printed)
        self.assertIn("ctest --preset release", printed)

    def test_asan_and_tsan_pick_their_presets(self):
        printed = make_n("test", "BUILD=build-asan", "BUILD_TYPE=Debug", "ASAN=1")
        self.assertIn("cmake --preset asan -DCMAKE_BUILD_TYPE=Debug", printed)
        self.assertIn("cmake --build --preset asan", printed)
        self.assertIn("ctest --preset asan", printed)
        self.assertIn("ctest --preset tsan", make_n("test", "TSAN=1"))

    def test_both_sanitizers_is_an_error(self):
        run = subprocess.run(["make", "-n", "-C", SOURCE, "test", "ASAN=1", "TSAN=1"], env=CLEAN_ENV,
                             capture_output=True, text=True, timeout=60)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("ASAN=1 and TSAN=1", run.stderr)

    def test_make_test_fails_on_a_kept_sanitizer_report(self):
        # The asan preset's ctest writes ASan/LSan reports there (tests/CMakeLists.txt):
        # emptied before ctest, looked at after it.
        printed = make_n("test", "ASAN=1", "BUILD=/nonexistent/asan")
        cleared = printed.find("rm -rf /nonexistent/asan/sanitizer-reports")
        ran = printed.find("ctest --preset asan")
        looked = printed.find("find /nonexistent/asan/sanitizer-reports -type f")
        self.assertTrue(0 <= cleared < ran < looked, printed)

    def test_build_type_overrides_the_presets(self):
        printed = make_n("build", "BUILD_TYPE=RelWithDebInfo", "BUILD=/nonexistent/rwdi")
        self.assertIn("cmake --preset release -B /nonexistent/rwdi "
                      "-DCMAKE_BUILD_TYPE=RelWithDebInfo", printed)
        self.assertIn("cmake --build /nonexistent/rwdi", printed)
        self.assertIn("cmake --preset debug", make_n("build", "BUILD_TYPE=Debug",
                                                     "BUILD=/nonexistent/dbg"))

    def test_another_build_dir_keeps_the_preset(self):
        printed = make_n("test", "BUILD=/nonexistent/other")
        self.assertIn("cmake --preset release -B /nonexistent/other -DTERN_TESTS=ON", printed)
        self.assertIn("cmake --build /nonexistent/other", printed)
        self.assertIn("ctest --preset release --test-dir /nonexistent/other", printed)

    def test_make_fuzz_is_the_fuzz_preset(self):
        printed = make_n("fuzz", "SECONDS=5")
        self.assertIn("cmake --preset fuzz -DTERN_FUZZ_SECONDS=5", printed)
        self.assertIn("cmake --build --preset fuzz", printed)
        self.assertIn("ctest --preset fuzz", printed)


if __name__ == "__main__":
    unittest.main(verbosity=2)
