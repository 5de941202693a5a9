"""The one harness of the Python tests: checks counted and reported alike (PASS/FAIL lines, a
summary, the exit status CTest reads), the binary and the source tree from CTest's environment,
and a runner of ufmsweep commands."""
import os
import subprocess

BIN = os.environ.get("UFMSWEEP", "ufmsweep")
SOURCE_DIR = os.environ.get("UFMSWEEP_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SPECS = os.path.join(SOURCE_DIR, "tests", "specs")


class Checks:
    """check(name, cond, detail): one PASS or FAIL line; summary() prints the counts and returns
    the exit status (0 when every check passed)."""

    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print("PASS", name)
        else:
            self.failed += 1
            print("FAIL", name, detail)
        return bool(cond)

    def summary(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 0 if self.failed == 0 and self.passed > 0 else 1


def run(*args, **kw):
    """ufmsweep ARGS..., its output captured as text"""
    return subprocess.run([BIN, *args], capture_output=True, text=True, **kw)
