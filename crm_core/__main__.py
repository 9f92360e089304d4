import os
import sys

from .cli import main

code = main()
sys.stdout.flush()
sys.stderr.flush()
# Leave without the interpreter's teardown: DuckDB's native threads occasionally abort it ("terminate called
# without an active exception", exit -6) after all work is done and written.
os._exit(code)
