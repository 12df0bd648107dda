/** A container image pinned by tag, digest or both. */
export interface ImageRef {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** `repo:tag@digest`: the digest pins the bytes, the tag stays for humans reading the manifest. */
export function imageRef(image: ImageRef): string {
  if (!image.tag && !image.digest) throw new Error(`image ${image.repository} has no tag or digest; pin it`);
  return `${image.repository}${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}`;
}

/** The release version for labels: the tag, else the short digest. */
export function imageVersion(image: ImageRef): string {
  return image.tag ?? image.digest!.replace('sha256:', '').slice(0, 12);
}
