# ruff: noqa: E501 — dialogue: a CJK character counts two columns, and a sentence reads best unbroken.
"""What customers and agents say in the demo: one scenario per kind of case the shop sees
(the format is in `kefu.demo.script_format`)."""

from __future__ import annotations

from kefu.auth.models import TeamKind as Team
from kefu.channels.models import ChannelKind as Ch
from kefu.demo.script_format import Scenario, TicketSpec

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        key="logistics_stuck",
        channels=(Ch.web_chat, Ch.app),
        subject="物流几天没更新",
        team=Team.logistics,
        order="in_transit",
        ticket=TicketSpec(
            "logistics_exception",
            "{carrier}运单 {tracking} 滞留转运中心",
            "物流",
            "P2",
            ("物流延误",),
            {"carrier": "{carrier}", "tracking_no": "{tracking}", "exception": "长时间未更新"},
        ),
        script="""
            c 你好，我的订单 {order} 显示发货四天了，物流一直停在{city}转运中心没动，是不是丢件了？
            a 您好，我是璐米家居客服{agent}，让您久等了！我马上帮您查一下{carrier}运单 {tracking}。
            t
            n 已致电{carrier}网点：包裹因分拣积压滞留转运中心，对方承诺 24 小时内派出。
            a 已经和{carrier}核实，包裹在转运中心积压了，今天会优先派送。我今晚 8 点前再跟进一次，有进展第一时间告诉您。
            c 好的，麻烦你盯一下，家里等着用。
            @0.2 pending_internal 等待承运商回复派送时间
            @6 open 承运商已回复：今日派送
            a {carrier}已经回复，包裹今天下午派送，快递员会提前电话联系您。
            @20 resolved 客户已签收
            c 收到了，包装完好，谢谢！
            a 不客气，祝您生活愉快！有问题随时联系我们。
            @72 closed
        """,
    ),
    Scenario(
        key="refund_quality",
        channels=(Ch.app, Ch.web_chat),
        subject="商品有裂痕，申请退款",
        team=Team.after_sales,
        order="delivered",
        refunds=True,
        ticket=TicketSpec(
            "refund",
            "{item} 质量问题退款",
            "退款",
            "P2",
            ("质量问题",),
            {"amount": "{price_yuan}", "reason": "质量问题", "refund_to": "原路退回"},
        ),
        script="""
            c 收到的{item}有一道很明显的裂痕，这质量也太差了，我要退款。
            a 非常抱歉给您带来不好的体验！麻烦拍一下破损处和外包装的照片发给我，我马上为您处理。
            c [图片][图片] 照片发你了，外箱是好的，应该是出厂就有问题。
            t
            n 外箱完好，判定为出厂质量问题，已登记供应商追责，质检品控组跟进。
            a 收到照片，确认是质量问题。已为您提交退款 {price}，原路退回，商品不用寄回。
            @0.5 pending_internal 等待财务审核退款
            @5 resolved 退款已原路退回
            a 您的退款 {price} 已原路退回，预计 1–3 个工作日到账，请留意。
            @48 closed
        """,
    ),
    Scenario(
        key="return_7days",
        channels=(Ch.web_form, Ch.email),
        subject="七天无理由退货",
        team=Team.after_sales,
        order="delivered",
        refunds=True,
        ticket=TicketSpec(
            "refund",
            "订单 {order} 七天无理由退货",
            "退货",
            "P3",
            ("七天无理由",),
            {"amount": "{price_yuan}", "reason": "七天无理由", "refund_to": "原路退回"},
        ),
        script="""
            c 您好，{item}颜色和图片差别有点大，和家里风格不搭，想申请七天无理由退货。
            a 您好，可以的。商品未使用、包装齐全即可办理七天无理由退货，我已为您生成退货单。
            t
            a 寄回时请在包裹里附一张纸条写明订单号 {order}，运费由我们承担，寄出后把运单号发我就好。
            @0.1 pending_customer 等待客户寄回商品
            @30 open 客户已寄回
            c 已经寄回了，运单号发在附件里。
            a 收到，仓库签收验货后会尽快为您退款。
            @40 resolved 仓库验货通过，已退款
            a 仓库已验货，退款 {price} 已原路退回。
            @72 closed
        """,
    ),
    Scenario(
        key="customs_hold",
        channels=(Ch.web_chat, Ch.app),
        subject="跨境商品清关异常",
        team=Team.cross_border,
        order="cross_border",
        ticket=TicketSpec(
            "customs",
            "{item} 清关暂扣：待实名认证",
            "跨境清关",
            "P2",
            ("跨境", "清关"),
            {
                "declaration_no": "{declaration}",
                "id_verified": "false",
                "hold_reason": "身份信息未认证",
            },
        ),
        script="""
            c 我买的{item}显示「清关异常」，是什么情况？需要我做什么吗？
            a 您好，我是跨境专员{agent}。跨境进口商品需要订购人实名认证才能清关，系统显示您的身份信息还没有认证。
            c 之前没人跟我说过要认证啊。
            t
            a 抱歉没有提前提醒您。刚刚给您发了认证短信，按提示上传身份证正反面即可，海关审核一般 1 个工作日。
            n 报关单号 {declaration}，已通知报关行：客户认证后重新申报。
            @0.1 pending_customer 等待客户完成实名认证
            @3 open 客户已完成认证
            c 认证好了。
            a 收到，已通知报关行重新申报，清关后会立即发出。
            @0.2 pending_internal 报关行重新申报中
            @26 resolved 已清关放行
            a 您的包裹已清关放行，{carrier}运单 {tracking}，预计 3 天内送达。
            @96 closed
        """,
    ),
    Scenario(
        key="wrong_item",
        channels=(Ch.app, Ch.web_chat),
        subject="发错颜色",
        team=Team.warehouse,
        order="delivered",
        ticket=TicketSpec(
            "exchange",
            "订单 {order} 错发颜色，换货",
            "换货",
            "P3",
            ("错发",),
            {"reason": "颜色/款式不符", "new_sku": "{sku}"},
        ),
        script="""
            c 我买的{item}下单选的是烟灰色，收到的是米白色，发错货了吧？订单号 {order}。
            a 非常抱歉！我马上核实仓库的出库记录。
            n 仓储协同组确认：拣货时同款不同色放错货位，已整改货位标签。
            t
            a 确认是仓库发错了，实在抱歉。已为您安排换货，快递员明天上门取件，正确的商品今天就发出，不需要您垫付任何费用。
            c 行吧，尽快。
            @1 pending_internal 等待仓库补发
            @20 resolved 换货已发出
            a 正确的商品已发出，物流进度可以在「我的订单」里查看，请注意查收。
            @100 closed
        """,
    ),
    Scenario(
        key="price_protection",
        channels=(Ch.app,),
        subject="降价补差价",
        team=Team.after_sales,
        order="delivered",
        ticket=TicketSpec(
            "refund",
            "订单 {order} 价保补差",
            "价保",
            "P3",
            ("价保",),
            {"amount": "100", "reason": "价格保护", "refund_to": "原路退回"},
        ),
        script="""
            c 我前几天买的{item}今天降价了 100 块，能补差价吗？
            a 您好，您的订单还在 15 天价保期内，可以申请价保，我这边直接为您提交。
            t
            a 已提交价保，差价 ¥100.00 会退回您的原支付账户。
            c 效率挺高，点赞。
            @0.5 resolved 差价已退回
            @48 closed
        """,
    ),
    Scenario(
        key="no_callback_complaint",
        channels=(Ch.phone,),
        subject="承诺回电未兑现（投诉）",
        team=Team.after_sales,
        order="delivered",
        ticket=TicketSpec(
            "complaint",
            "承诺三天回电未兑现，客户第四次来电",
            "投诉",
            "P1",
            ("投诉", "未回访"),
            {"department": "客服", "severity": "严重"},
        ),
        script="""
            c 上周你们客服说三天之内给我回电话，到现在都没人联系我！我已经打了四次电话，每次都要从头讲一遍。
            a 非常抱歉，这是我们的失职。我是{agent}，从现在起由我负责您的问题，不会再让您重复说明。
            t
            n 客户第四次来电，前三次均未建工单、未回访。首问负责人：{agent}。已升级主管。
            a 我已经把您的情况升级给主管{supervisor}，今天 18:00 前会给您回电并给出处理方案。
            @0.3 assign:supervisor P1 投诉升级主管
            @2 pending_internal 主管协调售后与物流
            a 您好，我是主管{supervisor}。您的退货已安排明早上门取件，另外为表歉意送您一张 100 元无门槛券。
            c 好吧，希望这次说话算数。
            @30 resolved 已取件并补偿 100 元券
            a 快递员已取件，100 元券已发放到您的账户。再次向您致歉！
            @72 closed
        """,
    ),
    Scenario(
        key="broken_in_transit",
        channels=(Ch.web_chat, Ch.app),
        subject="包裹破损",
        team=Team.logistics,
        order="delivered",
        ticket=TicketSpec(
            "logistics_exception",
            "{item} 运输破损，补发并向{carrier}理赔",
            "物流",
            "P2",
            ("破损", "补发"),
            {"carrier": "{carrier}", "tracking_no": "{tracking}", "exception": "包裹破损"},
        ),
        script="""
            c 快递送到的时候外箱都压扁了，{item}碎了。
            a 非常抱歉！麻烦拍一下外箱和破损商品的照片，我马上联系{carrier}理赔，同时给您补发。
            c [图片][图片][图片]
            t
            n 已向{carrier}提交破损理赔，补发单已建。
            a 已为您安排补发，今天发出。破损的商品不用寄回，直接处理掉就好。
            @0.2 pending_internal 等待承运商理赔
            @50 resolved 补发已签收，理赔完成
            @72 closed
        """,
    ),
    Scenario(
        key="installation",
        channels=(Ch.phone,),
        subject="预约上门安装",
        team=Team.logistics,
        order="in_transit",
        ticket=TicketSpec(
            "installation",
            "{item} 上门安装预约",
            "安装",
            "P3",
            ("安装",),
            {"appointment": "{in_two_days}", "address_confirmed": "true"},
        ),
        script="""
            c 我买的{item}明天到，什么时候能上门安装？
            a 您好，{item}包含免费安装。我帮您预约安装师傅，请问后天上午方便吗？
            c 后天上午可以。
            t
            a 已为您预约后天上午 9:00–12:00 上门安装，师傅出发前会电话联系您。
            @0.1 pending_internal 已派单给安装师傅
            @50 resolved 安装完成，客户确认
            @72 closed
        """,
    ),
    Scenario(
        key="refund_reopened",
        channels=(Ch.web_chat, Ch.email),
        subject="尺寸不对，退货退款",
        team=Team.after_sales,
        order="delivered",
        refunds=True,
        ticket=TicketSpec(
            "refund",
            "订单 {order} 尺寸不符退货退款",
            "退货",
            "P3",
            ("退货",),
            {"amount": "{price_yuan}", "reason": "其他", "refund_to": "原路退回"},
        ),
        script="""
            c 订单 {order} 的{item}尺寸不对，放不进我家的位置，想退货退款。
            a 好的，已为您登记退货，快递员明天上门取件，仓库收到后为您退款。
            t
            @0.1 pending_customer 等待上门取件
            @26 open 已取件
            @20 resolved 已退款
            a 退款 {price} 已提交，原路退回。
            @80 open 客户反馈退款未到账，重开
            c 你们说已经退款了，三天了我卡里还是没收到钱！
            a 非常抱歉，我马上联系财务查询退款流水。
            @0.2 pending_internal 财务核查退款流水
            @4 resolved 支付通道延迟，已重新发起退款
            a 查到是支付通道延迟，财务已重新发起退款，交易流水号已短信发您，今天内到账。
            c 好，到了我跟你说。
            @72 closed
        """,
    ),
    # Conversations that end in the chat, without a ticket.
    Scenario(
        key="urge_shipping",
        channels=(Ch.web_chat, Ch.app),
        subject="催发货",
        team=Team.frontline,
        order="paid",
        script="""
            c 下单三天了怎么还没发货？{order}
            a 您好，我帮您查一下……您购买的{item}仓库今天下午打包，预计今晚发出。
            c 好的，发货了麻烦通知我。
            a 发货后系统会短信通知您，也可以在 App「我的订单」里查看物流。还有其他可以帮您的吗？
            c 没有了，谢谢。
        """,
    ),
    Scenario(
        key="invoice",
        channels=(Ch.email,),
        subject="开具发票",
        team=Team.frontline,
        order="delivered",
        script="""
            c 您好，订单 {order} 需要开具增值税普通发票，抬头：{company}，税号：{tax_no}。
            a 您好，已为您申请电子发票，1 个工作日内发送到您的邮箱，请注意查收。
            c 收到，谢谢。
        """,
    ),
    Scenario(
        key="community_question",
        channels=(Ch.community,),
        subject="社群：四件套会不会起球",
        team=Team.frontline,
        order=None,
        script="""
            c 群里有人说这批四件套洗了会起球，是真的吗？我刚买了一套。
            a 您好～60 支长绒棉四件套正常洗涤不会起球。首次洗涤建议冷水、翻面、不要和带拉链的衣物一起洗。我私信您详细说哦。
            n 社群出现品质疑虑，已私聊引导；同步质检品控组关注该批次反馈。
            c 好的，谢谢。
        """,
    ),
    Scenario(
        key="presale",
        channels=(Ch.web_chat,),
        subject="售前咨询：现货与配送",
        team=Team.frontline,
        order=None,
        script="""
            c 想问一下{item}有现货吗？能送到{city}吗？需要自己安装吗？
            a 您好！有现货的，{city}支持送货上门，大件商品包含免费安装，下单后 48 小时内发货。
            c 会员有折扣吗？
            a 您是我们的会员，结算时自动享受会员价，本周还有满 3000 减 200 的活动。
            c 好的，我考虑一下。
        """,
    ),
)
