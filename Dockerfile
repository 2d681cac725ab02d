# Serves a model file with lsml. Build from the repository root:
#   docker build -t lsml .
#   docker run -p 9090:9090 -v $PWD/data:/data lsml
# MODEL_FILE picks the model (default: the core example).
FROM node:20-bookworm-slim
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY . .
# devDependencies (turbo, tsup) are needed for the build, so NODE_ENV=production comes after it.
RUN npm ci --no-audit --no-fund && npx turbo run build --output-logs=errors-only
ENV NODE_ENV=production
ENV PORT=9090 HOST=0.0.0.0 MODEL_DIR=/data MODEL_FILE=packages/core/examples/keyword-sentiment.ts
EXPOSE 9090
CMD ["sh", "-c", "exec node packages/core/dist/cli.js start \"$MODEL_FILE\""]
