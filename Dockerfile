# optimlab: the page and the API on port 8000, CPU-only torch, running as an unprivileged user.
#   docker build -t optimlab .
#   docker run --rm -p 8000:8000 -v optimlab-data:/data optimlab    (short links and decks kept in the volume)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# torch first, from PyTorch's CPU-only index: a bare `torch` from PyPI pulls several GB of CUDA
# libraries. Its own layer, so editing the app does not download torch again.
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

WORKDIR /app
COPY . .
# The project's `torch>=...` is already satisfied, so this adds only the web stack and the app.
# Build leftovers go: an optimlab.egg-info next to the sources would shadow the installed metadata.
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info

# templates/ and static/ live beside the `app` package, not inside it, and the app finds them
# relative to its source files. The `optimlab` console script does not put the working directory
# on sys.path, so import `app` from /app (the installed copy would look beside site-packages).
ENV PYTHONPATH=/app

# Short links and lesson decks (design.md §11): a SQLite file in /data, a volume, so they outlive the
# container; owned by the server's user, which Docker copies into a new named volume. The catalog's
# start-up probe is kept there too (design.md §4), so a restarted container starts without probing.
ENV OPTIMLAB_DATA_DIR=/data \
    OPTIMLAB_CACHE_DIR=/data/cache
RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin optimlab \
    && install -d -o optimlab -g optimlab -m 0750 /data
VOLUME ["/data"]
USER 10001

EXPOSE 8000

# Python's urllib, so the slim image needs no curl; urlopen raises (exit 1) on anything but 2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('OPTIMLAB_PORT', '8000'), timeout=4)"]

CMD ["optimlab", "serve", "--host", "0.0.0.0"]
