"""The compiled part of the ban check (see officeactions/bancheck/_fastpath.pyx); everything
else about the package is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "officeactions.bancheck._fastpath",
            ["officeactions/bancheck/_fastpath.pyx"],
            extra_compile_args=["-O2"],
        )
    ]
)
