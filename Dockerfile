FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FGDM_ENV=production \
    FGDM_INSTANCE_DIR=/app/instance

WORKDIR /app
# pg_dump and pg_restore for `fgdm backup` and `fgdm restore`; Pango, HarfBuzz and fonts
# for WeasyPrint, which draws the family plan as a PDF, with the fonts' cache built once
# here (fc-cache) instead of by each process that looks for a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client fontconfig \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core \
    && fc-cache -s \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY migrations ./migrations
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin fgdm \
    && mkdir -p /app/instance && chown fgdm /app/instance

USER fgdm
EXPOSE 8000
CMD ["fgdm", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4", "--forwarded-allow-ips", "*"]
