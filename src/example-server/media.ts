/**
 * Tiny media files built in code, so the example server ships no binary assets and
 * every image or sound it returns is a well-formed file a client can decode.
 */

import { Buffer } from 'node:buffer';
import { crc32, deflateSync } from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Red, green, blue and alpha of one pixel, each 0–255. */
export type Rgba = readonly [number, number, number, number];

function encodePngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/**
 * Encodes an 8-bit RGBA PNG whose pixels come from `pixelAt`.
 * @see https://www.w3.org/TR/png-3/#5DataRep
 */
export function encodePng(width: number, height: number, pixelAt: (x: number, y: number) => Rgba): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // colour type: truecolour with alpha
  // bytes 10–12 (compression, filter, interlace) stay 0: the only values the format defines
  const rowLength = 1 + width * 4;
  const raw = Buffer.alloc(rowLength * height);
  for (let y = 0; y < height; y++) {
    // each scanline starts with its filter type; 0 (none) keeps the encoder trivial
    for (let x = 0; x < width; x++) raw.set(pixelAt(x, y), y * rowLength + 1 + x * 4);
  }
  return Buffer.concat([PNG_SIGNATURE, encodePngChunk('IHDR', header), encodePngChunk('IDAT', deflateSync(raw)), encodePngChunk('IEND', Buffer.alloc(0))]);
}

/**
 * Encodes mono 16-bit PCM samples (−1…1) as a WAV file.
 * @see http://soundfile.sapp.org/doc/WaveFormat/
 */
export function encodeWav(samples: readonly number[], sampleRate: number): Buffer {
  const bytesPerSample = 2;
  const dataLength = samples.length * bytesPerSample;
  const wav = Buffer.alloc(44 + dataLength);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataLength, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * bytesPerSample, 28); // byte rate
  wav.writeUInt16LE(bytesPerSample, 32); // block align
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataLength, 40);
  samples.forEach((sample, i) => {
    wav.writeInt16LE(Math.round(Math.max(-1, Math.min(1, sample)) * 0x7fff), 44 + i * bytesPerSample);
  });
  return wav;
}

/** A 4×4 checkerboard returned by the `get_image` tool. */
export const TINY_PNG: Buffer = encodePng(4, 4, (x, y) => ((x + y) % 2 === 0 ? [0x1f, 0x6f, 0xeb, 0xff] : [0xff, 0xff, 0xff, 0xff]));

/** A 16×16 logo (a diagonal stripe) served as the `example://logo.png` blob resource. */
export const LOGO_PNG: Buffer = encodePng(16, 16, (x, y) => (Math.abs(x - y) <= 2 ? [0xe0, 0x4e, 0x39, 0xff] : [0, 0, 0, 0]));

const WAV_SAMPLE_RATE = 8000;

/** A tenth of a second of a 440 Hz tone returned by the `get_audio` tool. */
export const TINY_WAV: Buffer = encodeWav(
  Array.from({ length: WAV_SAMPLE_RATE / 10 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / WAV_SAMPLE_RATE)),
  WAV_SAMPLE_RATE,
);
