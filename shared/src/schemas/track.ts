import { z } from 'zod';

const unit = z.number().min(0).max(1);

/** `tracks` value, v1 (compacted topic, key = track_id): the track dimension with Web API audio features. */
export const trackV1 = z.object({
  schema_version: z.literal(1),
  track_id: z.string().regex(/^[0-9A-Za-z]{22}$/),
  uri: z.string().regex(/^spotify:track:[0-9A-Za-z]{22}$/),
  name: z.string().min(1),
  artist_id: z.string().min(1),
  artist_name: z.string().min(1),
  album_id: z.string().min(1),
  album_name: z.string().min(1),
  release_date: z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/),
  duration_ms: z.number().int().positive(),
  explicit: z.boolean(),
  popularity: z.number().int().min(0).max(100),
  genre: z.string().min(1),
  isrc: z.string().nullable(),
  danceability: unit,
  energy: unit,
  key: z.number().int().min(-1).max(11),
  loudness: z.number().min(-60).max(5),
  mode: z.union([z.literal(0), z.literal(1)]),
  speechiness: unit,
  acousticness: unit,
  instrumentalness: unit,
  liveness: unit,
  valence: unit,
  tempo: z.number().min(0).max(300),
  time_signature: z.number().int().min(3).max(7),
  updated_at: z.iso.datetime({ offset: false }),
});

export type Track = z.output<typeof trackV1>;
