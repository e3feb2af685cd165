"""``python -m gateway``: the same as the ``gateway`` command."""

import sys

from gateway.launch import main

sys.exit(main())
