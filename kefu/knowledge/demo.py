"""The demo shop's knowledge base: campaign rules with validity windows, 价保, returns, shipping.

Written in the KB's own Markdown format and loaded through the importer, so running it again
changes nothing. Campaign windows are dates of the current year (China time): at any moment of
the year some campaign rules answer and others have expired by themselves.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.knowledge import importexport
from kefu.knowledge.schemas import ImportFormat

KB = """\
## 双11预售尾款什么时候付？

- kind: faq
- status: published
- tags: 双11, 预售, 活动规则
- campaign: double11-{year}
- valid_from: {year}-10-20T20:00:00+08:00
- valid_until: {year}-11-12T00:00:00+08:00
- paraphrases:
  - 预售尾款几号付
  - 定金付了尾款啥时候交
  - 双十一尾款什么时候开始
  - 尾款没付定金会退吗

<p>双11预售分两段支付：</p>
<ul><li>定金：10月20日20:00起支付；</li>
<li>尾款：<b>11月1日20:00 至 11月3日23:59</b> 支付，逾期未付尾款定金不退。</li></ul>
<p>尾款开始前会有短信和 App 消息提醒。</p>

### chat

尾款11月1日20:00开始，11月3日23:59截止，逾期定金不退哦～

### email

<p>您好，双11预售商品的尾款支付时间为11月1日20:00至11月3日23:59。定金在付尾款时自动抵扣；逾期未支付尾款，定金不予退还。</p><p>如需帮助，请直接回复本邮件。</p>

## 双12预售尾款什么时候付？

- kind: faq
- status: published
- tags: 双12, 预售, 活动规则
- campaign: double12-{year}
- valid_from: {year}-11-25T00:00:00+08:00
- valid_until: {year}-12-13T00:00:00+08:00
- paraphrases:
  - 双十二尾款几号付
  - 双12定金什么时候付尾款

<p>双12预售尾款于 <b>12月10日20:00 至 12月12日23:59</b> 支付，逾期未付尾款定金不退。</p>

## 买完就降价了可以价保吗？

- kind: faq
- status: published
- tags: 价保, 售后
- paraphrases:
  - 降价了能退差价吗
  - 保价怎么申请
  - 刚买就便宜了
  - 价格保护规则

<p>签收后 <b>7 天内</b>，同一商品（同一规格、同一店铺）降价，可申请价保，差价原路退回。</p>
<ul><li>在订单页点「价格保护」，或直接在这里告诉我订单号；</li>
<li>预售、秒杀、赠品和使用了个人专享券的订单不参与价保；</li>
<li>活动期间每个订单可申请一次。</li></ul>

### chat

签收7天内降价可以价保，差价原路退回。把订单号发我，我帮您申请～

## 支持七天无理由退换货吗？

- kind: faq
- status: published
- tags: 退换货, 售后
- paraphrases:
  - 怎么退货
  - 可以换货吗
  - 不想要了能退吗
  - 退货运费谁出

<p>签收 7 天内、商品完好且不影响二次销售，即可申请无理由退换货。</p>
<p>已购运费险的订单，退货运费由保险赔付（退款完成后 72 小时内到账）；质量问题退换由本店承担运费。</p>

### chat

签收7天内、商品完好都能退换；有运费险的话退货运费保险赔～

## 下单后多久发货？

- kind: faq
- status: published
- tags: 发货, 物流
- paraphrases:
  - 什么时候发货
  - 怎么还不发货
  - 今天下单今天发吗
  - 发什么快递

<p>现货商品付款后 <b>48 小时内</b>发货（16:00 前付款当天发出），默认顺丰或中通。</p>
<p>预售商品按商品页写明的时间发货；大促期间可能顺延，超时未发货可申请延迟发货补偿。</p>

### chat

现货48小时内发货，16点前付款当天发；预售按商品页时间发～

## 退款多久到账？

- kind: faq
- status: published
- tags: 退款, 售后
- paraphrases:
  - 退款什么时候到
  - 钱怎么还没退回来

<p>退款审核通过后原路退回：余额即时到账，银行卡 1–3 个工作日，信用卡 3–7 个工作日。</p>

## How long does a refund take?

- kind: faq
- status: published
- tags: refund, after-sales
- paraphrases:
  - when will I get my money back
  - refund not received yet

<p>Once the refund is approved it goes back the way you paid: balance at once, debit cards in 1–3 business days, credit cards in 3–7.</p>

## When will my order ship?

- kind: faq
- status: published
- tags: shipping
- paraphrases:
  - how long until my order is shipped
  - my order has not shipped yet

<p>In-stock items ship within <b>48 hours</b> of payment (same day if paid before 16:00 China time). Presale items ship on the date shown on the product page.</p>

## Can I return an item?

- kind: faq
- status: published
- tags: returns, after-sales
- paraphrases:
  - return policy
  - how do I return something

<p>Yes: within 7 days of delivery, unused and in its original packaging, with no reason needed. If you bought return-shipping insurance, it pays the return postage.</p>
"""


def seed_demo(session: Session, workspace_id: int, actor: Actor | None = None) -> list[int]:
    """Load the demo KB into the workspace (idempotent); returns the entry ids."""
    actor = actor or Actor.system(workspace_id)
    year = clock.now().year
    done = importexport.import_(
        session,
        actor=actor,
        fmt=ImportFormat.markdown,
        content=KB.format(year=year),
        note="演示数据 demo data",
    )
    return done.entry_ids
