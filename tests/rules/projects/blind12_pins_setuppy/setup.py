from setuptools import find_packages, setup

setup(
    name="members-api",
    version="0.9.1",
    packages=find_packages(),
    python_requires=">=3.10",
    install_requires=[
        "fastapi>=0.111,<0.112",
        "sqlalchemy>=2.0.25",
        "psycopg2-binary",
    ],
    extras_require={"dev": ["pytest", "httpx"]},
)
