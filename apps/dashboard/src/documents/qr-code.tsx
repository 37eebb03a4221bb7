import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/** The receipt's QR code (the tax service's check link) drawn in the browser as SVG. */
export function QrCode({ payload, label }: { payload: string; label: string }) {
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    QRCode.toString(payload, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }).then(
      (text) => !cancelled && setSvg(text),
      () => !cancelled && setSvg(null),
    );
    return () => {
      cancelled = true;
    };
  }, [payload]);
  if (!svg) return null;
  return (
    <img
      className="qr"
      src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
      alt={label}
      width={160}
      height={160}
    />
  );
}
