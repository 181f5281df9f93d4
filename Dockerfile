# desaplan: the planning service on embedded SQLite, with the Kabupaten Bekasi example loaded on first start.
#   docker build -t desaplan . && docker run -p 8000:8000 -v desaplan-data:/srv/data desaplan
FROM python:3.12-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip build
COPY pyproject.toml README.md ./
COPY app ./app
COPY models ./models
COPY solver ./solver
COPY scenarios ./scenarios
COPY bench ./bench
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12-slim
RUN useradd --create-home --uid 1000 desaplan && mkdir -p /srv/data && chown desaplan /srv/data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER desaplan
WORKDIR /srv
ENV DATABASE_URL=sqlite:////srv/data/desaplan.sqlite
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["desaplan", "serve", "--host", "0.0.0.0", "--port", "8000"]
