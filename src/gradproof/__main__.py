"""``python -m gradproof``: the same as the ``gradproof`` command."""

from gradproof.cli import main

if __name__ == "__main__":
    main()
