"""Puts the ufmsweep Python package on sys.path for the scripts of this directory: python/ beside
it in the repository, share/ufmsweep/python when installed (it comes first, so that the scripts
run the code they were installed with)."""
import os
import sys

PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python")
if os.path.isdir(os.path.join(PACKAGE_DIR, "ufmsweep")) and PACKAGE_DIR not in sys.path:
    sys.path.insert(0, PACKAGE_DIR)
