#!/usr/bin/env node
// Adds `consumeColumns` to @confluentinc/kafka-javascript's native consumer and rebuilds the addon
// (incrementally: only the binding's own files, never librdkafka). Run by the root `postinstall` and
// by the Dockerfile after `npm ci`; idempotent. Why, and what it returns: README.md beside this file.
//
// The edits are anchored on exact lines of the client version named below: a different version is
// left untouched (a warning, exit 0) and the sink falls back to the client's own consume().
'use strict';
const { spawnSync } = require('node:child_process');
const { copyFileSync, existsSync, readFileSync, writeFileSync } = require('node:fs');
const { cpus } = require('node:os');
const { dirname, join } = require('node:path');

const CLIENT_VERSION = '1.10.1';
const MARKER = 'consumeColumns';
/** Bumped with every change to the C++ below: sources edited by an older revision are restored and edited again. */
const REVISION = 2;
const REVISION_TAG = `${MARKER} revision ${REVISION}`;
/** The client's files these edits touch; a pristine copy of each is kept beside it as <file>.orig. */
const EDITED_FILES = ['src/workers.h', 'src/workers.cc', 'src/kafka-consumer.h', 'src/kafka-consumer.cc'];

function warn(message) {
  console.warn(`[kafka-consume-columns] ${message}; consumers use the client's consume() (slower, same results)`);
}

/** Replaces the one occurrence of `anchor` in `file`; throws if it is not there exactly once. */
function replaceOnce(packageDir, file, anchor, replacement) {
  const path = join(packageDir, file);
  const source = readFileSync(path, 'utf8');
  const at = source.indexOf(anchor);
  if (at === -1 || source.indexOf(anchor, at + 1) !== -1) throw new Error(`${file}: anchor not found exactly once: ${anchor.split('\n')[0]}`);
  writeFileSync(path, source.slice(0, at) + replacement + source.slice(at + anchor.length));
}

/** Inserts `text` after (or before) the one occurrence of `anchor` in `file`. */
function insert(packageDir, file, anchor, text, where = 'after') {
  replaceOnce(packageDir, file, anchor, where === 'after' ? anchor + text : text + anchor);
}

function patchSources(packageDir) {
  // The batch consumer's messages become visible to a subclass, which only changes how they are handed to JS.
  insert(packageDir, 'src/workers.h', '  const bool m_timeout_only_for_first_message;\n', ` protected:  // ${REVISION_TAG}: KafkaConsumerConsumeColumns reads the batch\n`);
  insert(
    packageDir,
    'src/workers.h',
    '  std::vector<RdKafka::Message*> m_messages;\n};',
    `

/**
 * @brief ${MARKER}: the same batch consume, handed to JS as columns.
 *
 * One Buffer with every value, one with every key, a Float64Array of 6 numbers per message
 * (partition, offset, timestamp, value length or -1 for null, key length or -1, topic index), the
 * batch's topic names, and the headers of the messages that have any (a sparse array). Two copies of
 * the payload bytes and a few objects per batch instead of an object, two Buffers and a string per
 * message. Partition EOF events (enable.partition.eof) come last, as the client's own consume gives
 * them: { topic, partition, offset, messageIndex }, messageIndex being the message they follow (-1: none).
 */
class KafkaConsumerConsumeColumns : public KafkaConsumerConsumeNum {
 public:
  KafkaConsumerConsumeColumns(Nan::Callback*, NodeKafka::KafkaConsumer*,
    const uint32_t &, const int &, bool);
  void HandleOKCallback();
};`,
  );

  insert(
    packageDir,
    'src/workers.cc',
    `}  // namespace Workers
}  // namespace NodeKafka`,
    `// ${REVISION_TAG}: see workers.h
KafkaConsumerConsumeColumns::KafkaConsumerConsumeColumns(Nan::Callback *callback,
    KafkaConsumer* consumer, const uint32_t & num_messages,
    const int & timeout_ms, bool timeout_only_for_first_message) :
  KafkaConsumerConsumeNum(callback, consumer, num_messages, timeout_ms,
    timeout_only_for_first_message) {}

void KafkaConsumerConsumeColumns::HandleOKCallback() {
  Nan::HandleScope scope;
  const std::size_t kMetaFields = 6;
  std::size_t count = 0;
  std::size_t value_bytes = 0;
  std::size_t key_bytes = 0;
  for (RdKafka::Message *message : m_messages) {
    if (message->err() != RdKafka::ERR_NO_ERROR) continue;
    count++;
    if (message->payload()) value_bytes += message->len();
    if (message->key_pointer()) key_bytes += message->key_len();
  }
  v8::Local<v8::Object> values = Nan::NewBuffer(static_cast<uint32_t>(value_bytes)).ToLocalChecked();
  v8::Local<v8::Object> keys = Nan::NewBuffer(static_cast<uint32_t>(key_bytes)).ToLocalChecked();
  char *value_data = node::Buffer::Data(values);
  char *key_data = node::Buffer::Data(keys);
  v8::Local<v8::ArrayBuffer> meta_buffer = v8::ArrayBuffer::New(
    v8::Isolate::GetCurrent(), count * kMetaFields * sizeof(double));
  double *meta = static_cast<double*>(meta_buffer->GetBackingStore()->Data());
  v8::Local<v8::Array> topics = Nan::New<v8::Array>();
  v8::Local<v8::Array> headers = Nan::New<v8::Array>();
  v8::Local<v8::Array> eof_events = Nan::New<v8::Array>();
  uint32_t eof_count = 0;
  std::vector<std::string> topic_names;
  std::size_t value_at = 0;
  std::size_t key_at = 0;
  std::size_t index = 0;
  for (RdKafka::Message *message : m_messages) {
    if (message->err() == RdKafka::ERR_NO_ERROR) {
      const void *payload = message->payload();
      const void *key = message->key_pointer();
      if (payload) {
        memcpy(value_data + value_at, payload, message->len());
        value_at += message->len();
      }
      if (key) {
        memcpy(key_data + key_at, key, message->key_len());
        key_at += message->key_len();
      }
      const std::string &topic = message->topic_name();
      std::size_t topic_index = 0;
      while (topic_index < topic_names.size() && topic_names[topic_index] != topic) topic_index++;
      if (topic_index == topic_names.size()) {
        topic_names.push_back(topic);
        Nan::Set(topics, static_cast<uint32_t>(topic_index), Nan::New<v8::String>(topic).ToLocalChecked());
      }
      double *row = meta + index * kMetaFields;
      row[0] = message->partition();
      row[1] = static_cast<double>(message->offset());
      row[2] = static_cast<double>(message->timestamp().timestamp);
      row[3] = payload ? static_cast<double>(message->len()) : -1;
      row[4] = key ? static_cast<double>(message->key_len()) : -1;
      row[5] = static_cast<double>(topic_index);
      RdKafka::Headers *message_headers = message->headers();
      if (message_headers && message_headers->size() > 0) {
        v8::Local<v8::Array> list = Nan::New<v8::Array>();
        std::vector<RdKafka::Headers::Header> all = message_headers->get_all();
        uint32_t at = 0;
        for (const RdKafka::Headers::Header &header : all) {
          v8::Local<v8::Object> entry = Nan::New<v8::Object>();
          Nan::Set(entry, Nan::New<v8::String>(header.key()).ToLocalChecked(),
            Nan::Encode(header.value_string(), header.value_size(), Nan::Encoding::BUFFER));
          Nan::Set(list, at++, entry);
        }
        Nan::Set(headers, static_cast<uint32_t>(index), list);
      }
      index++;
    } else if (message->err() == RdKafka::ERR__PARTITION_EOF) {
      v8::Local<v8::Object> eof = Nan::New<v8::Object>();
      Nan::Set(eof, Nan::New<v8::String>("topic").ToLocalChecked(), Nan::New<v8::String>(message->topic_name()).ToLocalChecked());
      Nan::Set(eof, Nan::New<v8::String>("partition").ToLocalChecked(), Nan::New<v8::Number>(message->partition()));
      Nan::Set(eof, Nan::New<v8::String>("offset").ToLocalChecked(), Nan::New<v8::Number>(static_cast<double>(message->offset())));
      Nan::Set(eof, Nan::New<v8::String>("messageIndex").ToLocalChecked(), Nan::New<v8::Number>(static_cast<double>(index) - 1));
      Nan::Set(eof_events, eof_count++, eof);
    }
    delete message;
  }
  m_messages.clear();

  const unsigned int argc = 7;
  v8::Local<v8::Value> argv[argc] = {
    Nan::Null(),
    values,
    v8::Float64Array::New(meta_buffer, 0, count * kMetaFields),
    keys,
    topics,
    headers,
    eof_events,
  };
  callback->Call(argc, argv);
}

`,
    'before',
  );

  insert(packageDir, 'src/kafka-consumer.h', '  static NAN_METHOD(NodeConsume);', `
  static NAN_METHOD(NodeConsumeColumns);  // ${MARKER}`);
  insert(packageDir, 'src/kafka-consumer.cc', '  Nan::SetPrototypeMethod(tpl, "consume", NodeConsume);', `
  Nan::SetPrototypeMethod(tpl, "${MARKER}", NodeConsumeColumns);`);
  insert(
    packageDir,
    'src/kafka-consumer.cc',
    `NAN_METHOD(KafkaConsumer::NodeConnect) {`,
    `// ${MARKER}(timeoutMs, maxMessages, timeoutOnlyForFirstMessage, cb): see workers.h
NAN_METHOD(KafkaConsumer::NodeConsumeColumns) {
  Nan::HandleScope scope;
  if (info.Length() < 4 || !info[0]->IsNumber() || !info[1]->IsNumber() ||
      !info[2]->IsBoolean() || !info[3]->IsFunction()) {
    return Nan::ThrowError("consumeColumns(timeoutMs, maxMessages, timeoutOnlyForFirstMessage, cb)");
  }
  const int timeout_ms = static_cast<int>(Nan::To<uint32_t>(info[0]).FromJust());
  const uint32_t max_messages = Nan::To<uint32_t>(info[1]).FromJust();
  const bool timeout_only_for_first_message = Nan::To<bool>(info[2]).FromJust();
  KafkaConsumer* consumer = ObjectWrap::Unwrap<KafkaConsumer>(info.This());
  Nan::Callback *callback = new Nan::Callback(info[3].As<v8::Function>());
  Nan::AsyncQueueWorker(new Workers::KafkaConsumerConsumeColumns(
    callback, consumer, max_messages, timeout_ms, timeout_only_for_first_message));
  info.GetReturnValue().Set(Nan::Null());
}

`,
    'before',
  );
}

/** Whether the built addon has the method: checked in a child, so this process never loads the addon. */
function addonHasMethod(packageDir) {
  const addon = join(packageDir, 'build', 'Release', 'confluent-kafka-javascript.node');
  if (!existsSync(addon)) return false;
  const probe = spawnSync(process.execPath, ['-e', `process.exit(typeof require(${JSON.stringify(addon)}).KafkaConsumer.prototype.${MARKER} === 'function' ? 0 : 1)`]);
  return probe.status === 0;
}

function main() {
  let packageDir;
  try {
    packageDir = dirname(require.resolve('@confluentinc/kafka-javascript/package.json', { paths: [process.cwd(), __dirname] }));
  } catch {
    warn('@confluentinc/kafka-javascript is not installed here');
    return;
  }
  const version = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  if (version !== CLIENT_VERSION) {
    warn(`client ${version} is not ${CLIENT_VERSION}, the version these edits are written for: update native/kafka-consume-columns/apply.cjs`);
    return;
  }
  if (!existsSync(join(packageDir, 'build', 'Makefile'))) {
    warn('the addon was not built from source here (no build/Makefile), so it cannot be rebuilt with the method');
    return;
  }
  const current = readFileSync(join(packageDir, 'src', 'workers.h'), 'utf8');
  if (!current.includes(REVISION_TAG)) {
    // Pristine sources are saved once, before the first edit; an older revision's edits are undone from them.
    for (const file of EDITED_FILES) {
      const path = join(packageDir, file);
      if (existsSync(`${path}.orig`)) copyFileSync(`${path}.orig`, path);
      else if (current.includes(MARKER)) throw new Error(`${file} carries an older ${MARKER} edit and no ${file}.orig: reinstall the client (npm ci)`);
      else copyFileSync(path, `${path}.orig`);
    }
    patchSources(packageDir);
  }
  // node-gyp's Makefile: only the changed objects of the binding are compiled (nothing when up to date), librdkafka is untouched.
  const jobs = String(Math.max(1, Math.min(4, cpus().length)));
  // Its output (the client's own deprecation warnings) is shown only when the build fails.
  const build = spawnSync('make', ['-C', 'build', 'BUILDTYPE=Release', `-j${jobs}`], { cwd: packageDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (build.status !== 0) throw new Error(`rebuilding the addon failed (make exit ${build.status}):\n${build.stdout}${build.stderr}`);
  if (!addonHasMethod(packageDir)) throw new Error(`the rebuilt addon has no ${MARKER}`);
  if (!current.includes(REVISION_TAG)) console.log(`[kafka-consume-columns] ${REVISION_TAG} built into @confluentinc/kafka-javascript ${version}`);
}

main();
