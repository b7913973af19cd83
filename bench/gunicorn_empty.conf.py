"""Deliberately empty: every server of the benchmark gets its gunicorn settings from the
command line only (bench/servers.py), never from the project's ./gunicorn.conf.py, so
hello-world, our server and Kinto run under exactly the same flags."""
