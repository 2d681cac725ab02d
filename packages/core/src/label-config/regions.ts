// PLACEHOLDER — the label-config work replaces this file with the full discriminated union (§7.5).
export interface Region {
  id?: string;
  from_name: string;
  to_name: string;
  type: string;
  value: Record<string, unknown>;
  score?: number;
  [key: string]: unknown;
}
export interface Relation {
  from_id: string;
  to_id: string;
  type: 'relation';
  direction?: 'right' | 'left' | 'bi';
  labels?: string[];
}
