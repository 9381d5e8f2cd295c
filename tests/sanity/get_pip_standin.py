"""Stand-in for get-pip.py, which ansible-test downloads from a host this
machine cannot reach (LAB.md section 1): bootstrap pip from the standard
library, then install what ansible-test asked for."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
